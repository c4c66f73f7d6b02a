package cgrouplimit

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Limits are the limits of one cgroup. Negative quotas mean "none".
type Limits struct {
	Version         string `json:"version"`       // "v1" or "v2"
	CPUQuotaMicros  int64  `json:"cpu_quota_us"`  // CPU time per period; -1: no quota
	CPUPeriodMicros int64  `json:"cpu_period_us"` // the CFS period
	MemoryBytes     int64  `json:"memory_bytes"`  // hard limit; -1: none
	CPUDir          string `json:"cpu_dir"`       // the directories read
	MemoryDir       string `json:"memory_dir"`
}

// unlimitedV1 is the least value a v1 memory.limit_in_bytes holds when
// unset (the kernel writes LONG_MAX rounded down to a page).
const unlimitedV1 = int64(1) << 62

// CPU returns the quota in cores, 0 when there is none.
func (l Limits) CPU() float64 {
	if l.CPUQuotaMicros < 0 || l.CPUPeriodMicros <= 0 {
		return 0
	}
	return float64(l.CPUQuotaMicros) / float64(l.CPUPeriodMicros)
}

// Memory returns the memory limit in bytes, 0 when there is none.
func (l Limits) Memory() int64 { return max(l.MemoryBytes, 0) }

// String reads like the files, e.g. "cgroup v2 cpu.max 100000 100000,
// memory.max 536870912".
func (l Limits) String() string {
	q, m := strconv.FormatInt(l.CPUQuotaMicros, 10), strconv.FormatInt(l.MemoryBytes, 10)
	if l.Version == "v2" {
		if l.CPUQuotaMicros < 0 {
			q = "max"
		}
		if l.MemoryBytes < 0 {
			m = "max"
		}
		return fmt.Sprintf("cgroup v2 cpu.max %s %d, memory.max %s", q, l.CPUPeriodMicros, m)
	}
	if l.MemoryBytes < 0 {
		m = "unlimited"
	}
	return fmt.Sprintf("cgroup v1 cpu.cfs_quota_us %s per cpu.cfs_period_us %d, memory.limit_in_bytes %s", q, l.CPUPeriodMicros, m)
}

// Compare returns nil when l enforces cpu cores (0: no quota) and mem
// bytes (0: no limit), else an error that says what differs. CPU may
// differ by the kernel's rounding to a whole µs of quota; memory by the
// rounding down to a page (up to 64 KiB).
func Compare(l Limits, cpu float64, mem int64) error {
	var diffs []string
	got := l.CPU()
	switch {
	case cpu == 0 && got != 0:
		diffs = append(diffs, fmt.Sprintf("a CPU quota of %g cores where none was asked", got))
	case cpu > 0 && got == 0:
		diffs = append(diffs, fmt.Sprintf("no CPU quota where %g cores were asked", cpu))
	case cpu > 0 && math.Abs(got-cpu)*float64(max(l.CPUPeriodMicros, 1)) > 1.5:
		diffs = append(diffs, fmt.Sprintf("a CPU quota of %g cores where %g were asked", got, cpu))
	}
	gotMem := l.Memory()
	switch {
	case mem == 0 && gotMem != 0:
		diffs = append(diffs, fmt.Sprintf("a memory limit of %d bytes where none was asked", gotMem))
	case mem > 0 && gotMem == 0:
		diffs = append(diffs, fmt.Sprintf("no memory limit where %d bytes were asked", mem))
	case mem > 0 && (gotMem > mem || mem-gotMem >= 64<<10):
		diffs = append(diffs, fmt.Sprintf("a memory limit of %d bytes where %d were asked", gotMem, mem))
	}
	if len(diffs) > 0 {
		return fmt.Errorf("%s has %s", l, strings.Join(diffs, " and "))
	}
	return nil
}

// Read reads the limits of the cgroup of the process whose /proc
// directory is proc ("/proc/self", "/proc/1234"), through that process's
// own mounts: the view from inside its container.
func Read(proc string) (Limits, error) {
	return ReadFrom(filepath.Join(proc, "cgroup"), filepath.Join(proc, "mountinfo"))
}

// ReadFrom reads the limits of the cgroups that cgroupFile (a
// /proc/<pid>/cgroup) names, under the mounts of mountinfoFile (a
// /proc/<pid>/mountinfo). With /proc/self/mountinfo it reads another
// process's cgroup through this process's mounts: the host's view of a
// container, in which Limits' directories are the host's.
func ReadFrom(cgroupFile, mountinfoFile string) (Limits, error) {
	own, err := os.ReadFile(cgroupFile)
	if err != nil {
		return Limits{}, err
	}
	f, err := os.Open(mountinfoFile)
	if err != nil {
		return Limits{}, err
	}
	defer f.Close()
	mounts, err := ParseMountinfo(f)
	if err != nil {
		return Limits{}, fmt.Errorf("%s: %w", mountinfoFile, err)
	}
	return readAt(ParseProcCgroup(string(own)), mounts, os.ReadFile)
}

// Mount is a cgroup or cgroup2 mount, as ParseMountinfo reads it.
type Mount struct {
	Point       string   // where it is mounted
	Root        string   // the directory of the hierarchy mounted there
	V2          bool     // cgroup2
	Controllers []string // v1: its super options, controllers among them
}

// readAt reads the limits of the cgroups own names, under mounts.
func readAt(own map[string]string, mounts []Mount, readFile func(string) ([]byte, error)) (Limits, error) {
	find := func(controller string) (Mount, bool) {
		for _, m := range mounts {
			if !m.V2 && slices.Contains(m.Controllers, controller) {
				return m, true
			}
		}
		return Mount{}, false
	}
	cpuM, okCPU := find("cpu")
	memM, okMem := find("memory")
	if okCPU || okMem {
		if !okCPU || !okMem {
			return Limits{}, errors.New("cgroup v1: the cpu and memory controllers are not both mounted")
		}
		l := Limits{Version: "v1", CPUDir: Within(cpuM, own["cpu"]), MemoryDir: Within(memM, own["memory"])}
		var err error
		if l.CPUQuotaMicros, err = readInt(readFile, l.CPUDir, "cpu.cfs_quota_us"); err != nil {
			return l, err
		}
		if l.CPUPeriodMicros, err = readInt(readFile, l.CPUDir, "cpu.cfs_period_us"); err != nil {
			return l, err
		}
		if l.MemoryBytes, err = readInt(readFile, l.MemoryDir, "memory.limit_in_bytes"); err != nil {
			return l, err
		}
		if l.MemoryBytes >= unlimitedV1 {
			l.MemoryBytes = -1
		}
		return l, nil
	}
	for _, m := range mounts {
		if !m.V2 {
			continue
		}
		p, ok := own[""]
		if !ok {
			return Limits{}, errors.New("cgroup v2 is mounted but the process has no v2 cgroup")
		}
		dir := Within(m, p)
		l := Limits{Version: "v2", CPUDir: dir, MemoryDir: dir}
		b, err := readFile(path.Join(dir, "cpu.max"))
		if err != nil {
			return l, err
		}
		if l.CPUQuotaMicros, l.CPUPeriodMicros, err = ParseCPUMax(string(b)); err != nil {
			return l, fmt.Errorf("%s: %w", path.Join(dir, "cpu.max"), err)
		}
		if b, err = readFile(path.Join(dir, "memory.max")); err != nil {
			return l, err
		}
		if l.MemoryBytes, err = ParseMemoryMax(string(b)); err != nil {
			return l, fmt.Errorf("%s: %w", path.Join(dir, "memory.max"), err)
		}
		return l, nil
	}
	return Limits{}, errors.New("no cgroup or cgroup2 file system is mounted")
}

// ParseCPUMax parses a v2 cpu.max: "max 100000" or "50000 100000".
// The quota is -1 for max.
func ParseCPUMax(s string) (quota, period int64, err error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, 0, fmt.Errorf("cpu.max %q: want a quota and a period", strings.TrimSpace(s))
	}
	if period, err = strconv.ParseInt(f[1], 10, 64); err != nil || period <= 0 {
		return 0, 0, fmt.Errorf("cpu.max %q: bad period", strings.TrimSpace(s))
	}
	if f[0] == "max" {
		return -1, period, nil
	}
	if quota, err = strconv.ParseInt(f[0], 10, 64); err != nil || quota <= 0 {
		return 0, 0, fmt.Errorf("cpu.max %q: bad quota", strings.TrimSpace(s))
	}
	return quota, period, nil
}

// ParseMemoryMax parses a v2 memory.max: "max" (returned as -1) or bytes.
func ParseMemoryMax(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "max" {
		return -1, nil
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("memory.max %q: want max or a number of bytes", t)
	}
	return n, nil
}

func readInt(readFile func(string) ([]byte, error), dir, file string) (int64, error) {
	b, err := readFile(path.Join(dir, file))
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a number", path.Join(dir, file), strings.TrimSpace(string(b)))
	}
	return n, nil
}

// Within returns the directory, under mount m, of the cgroup at path p of
// m's hierarchy: the mount point when p is not below m's root (as inside a
// container, whose cgroup directory is mounted at the mount point).
func Within(m Mount, p string) string {
	rel, ok := strings.CutPrefix(p, m.Root)
	if !ok || !(m.Root == "/" || rel == "" || strings.HasPrefix(rel, "/")) {
		return m.Point
	}
	return path.Join(m.Point, rel)
}

// ParseMountinfo returns the cgroup and cgroup2 mounts of a mountinfo
// file; see proc(5).
func ParseMountinfo(r io.Reader) ([]Mount, error) {
	var mounts []Mount
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		sep := slices.Index(f, "-")
		if sep < 6 || len(f) < sep+3 {
			return nil, fmt.Errorf("line %d: %q: want 6 fields, optional ones, -, and 3 more", n, sc.Text())
		}
		m := Mount{Root: unescape(f[3]), Point: unescape(f[4])}
		switch f[sep+1] {
		case "cgroup2":
			m.V2 = true
		case "cgroup":
			m.Controllers = strings.Split(f[sep+3], ",")
		default:
			continue
		}
		mounts = append(mounts, m)
	}
	return mounts, sc.Err()
}

// unescape undoes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ParseProcCgroup maps each v1 controller of a /proc/<pid>/cgroup, and ""
// for the v2 hierarchy, to the process's cgroup path.
func ParseProcCgroup(s string) map[string]string {
	own := map[string]string{}
	for line := range strings.Lines(s) {
		parts := strings.SplitN(strings.TrimSpace(line), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			own[""] = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			own[c] = parts[2]
		}
	}
	return own
}
