// Package outfile owns one rule for the files meshperf writes: a path's
// current occupant decides how it is written, and nothing a user holds there
// is lost.
//
//   - Nothing yet: a new regular file, created atomically (temporary file and
//     rename) with mode 0666 less the umask, as a shell redirection would.
//   - A regular file: replaced atomically, keeping its mode (and, as root,
//     its owner), but only when it is empty or the caller recognises its
//     content as its own (see Recognise).
//   - A symlink: followed to the file it names, which is written by these
//     rules; the link stays.
//   - A FIFO or a character device (/dev/null, /dev/stdout, a terminal):
//     written straight, as `cmd > path` would. Opening a FIFO waits for its
//     reader.
//   - Anything else (a directory, a socket, a block device): refused.
//
// Check applies these rules before a long run, so that a bad path fails at
// once; Target.Write applies them again when the output is ready, since the
// path may have changed meanwhile. A caller that decides not to write (an
// interrupted run that keeps the old file) simply never calls Write.
package outfile
