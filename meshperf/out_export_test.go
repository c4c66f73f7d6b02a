package meshperf

import "hash/crc32"

// AppendJournal is the lock file's record of an append in progress.
func AppendJournal(off, oldSize, newSize int64, newTail, oldTail []byte) []byte {
	return journal{Off: off, OldSize: oldSize, NewSize: newSize, CRC: crc32.ChecksumIEEE(newTail), OldTail: oldTail}.bytes()
}
