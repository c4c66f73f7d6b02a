package cgrouplimit

import (
	"io/fs"
	"strings"
	"testing"
)

func TestReadAt(t *testing.T) {
	cases := []struct {
		name      string
		mountinfo string
		cgroup    string
		files     map[string]string
		want      Limits
		wantErr   string
	}{
		{
			name: "v1 inside a docker container",
			mountinfo: "700 690 0:30 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro,nosuid - cgroup cgroup rw,cpu,cpuacct\n" +
				"701 690 0:31 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n" +
				"702 690 0:32 / /proc rw - proc proc rw\n",
			cgroup: "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n",
			files: map[string]string{"/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us": "50000\n",
				"/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us": "100000\n", "/sys/fs/cgroup/memory/memory.limit_in_bytes": "536870912\n"},
			want: Limits{Version: "v1", CPUQuotaMicros: 50000, CPUPeriodMicros: 100000, MemoryBytes: 512 << 20,
				CPUDir: "/sys/fs/cgroup/cpu,cpuacct", MemoryDir: "/sys/fs/cgroup/memory"},
		},
		{
			name: "v1 on the host, unlimited",
			mountinfo: "30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n" +
				"31 25 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n",
			cgroup: "4:memory:/meshperf-x/app\n3:cpu,cpuacct:/meshperf-x/app\n",
			files: map[string]string{"/sys/fs/cgroup/cpu,cpuacct/meshperf-x/app/cpu.cfs_quota_us": "-1",
				"/sys/fs/cgroup/cpu,cpuacct/meshperf-x/app/cpu.cfs_period_us": "100000", "/sys/fs/cgroup/memory/meshperf-x/app/memory.limit_in_bytes": "9223372036854771712"},
			want: Limits{Version: "v1", CPUQuotaMicros: -1, CPUPeriodMicros: 100000, MemoryBytes: -1,
				CPUDir: "/sys/fs/cgroup/cpu,cpuacct/meshperf-x/app", MemoryDir: "/sys/fs/cgroup/memory/meshperf-x/app"},
		},
		{
			name:      "v2 with a cgroup namespace",
			mountinfo: "800 790 0:40 / /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 rw\n",
			cgroup:    "0::/\n",
			files:     map[string]string{"/sys/fs/cgroup/cpu.max": "100000 100000\n", "/sys/fs/cgroup/memory.max": "max\n"},
			want:      Limits{Version: "v2", CPUQuotaMicros: 100000, CPUPeriodMicros: 100000, MemoryBytes: -1, CPUDir: "/sys/fs/cgroup", MemoryDir: "/sys/fs/cgroup"},
		},
		{
			name:      "v2 on the host",
			mountinfo: "35 25 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
			cgroup:    "0::/kubepods/pod1/ctr\n",
			files:     map[string]string{"/sys/fs/cgroup/kubepods/pod1/ctr/cpu.max": "max 100000", "/sys/fs/cgroup/kubepods/pod1/ctr/memory.max": "268435456"},
			want: Limits{Version: "v2", CPUQuotaMicros: -1, CPUPeriodMicros: 100000, MemoryBytes: 256 << 20,
				CPUDir: "/sys/fs/cgroup/kubepods/pod1/ctr", MemoryDir: "/sys/fs/cgroup/kubepods/pod1/ctr"},
		},
		{name: "no cgroup mount", mountinfo: "1 0 0:1 / / rw - ext4 /dev/sda rw\n", cgroup: "0::/\n", wantErr: "no cgroup"},
		{name: "v1 file unreadable", mountinfo: "30 25 0:26 / /c rw - cgroup cgroup rw,cpu\n31 25 0:27 / /m rw - cgroup cgroup rw,memory\n",
			cgroup: "3:cpu:/\n4:memory:/\n", wantErr: "cpu.cfs_quota_us"},
		{name: "v2 garbage", mountinfo: "35 25 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", cgroup: "0::/\n",
			files: map[string]string{"/sys/fs/cgroup/cpu.max": "lots"}, wantErr: "cpu.max"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mounts, err := ParseMountinfo(strings.NewReader(tc.mountinfo))
			if err != nil {
				t.Fatal(err)
			}
			read := func(p string) ([]byte, error) {
				if s, ok := tc.files[p]; ok {
					return []byte(s), nil
				}
				return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
			}
			got, err := readAt(ParseProcCgroup(tc.cgroup), mounts, read)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v\nwant %+v", got, err, tc.want)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	v2 := func(quota, mem int64) Limits {
		return Limits{Version: "v2", CPUQuotaMicros: quota, CPUPeriodMicros: 100000, MemoryBytes: mem}
	}
	cases := []struct {
		name    string
		got     Limits
		cpu     float64
		mem     int64
		wantErr string // "" for a match
	}{
		{name: "exact", got: v2(100000, 512<<20), cpu: 1, mem: 512 << 20},
		{name: "memory rounded down to a page", got: v2(25000, 100<<20-4096), cpu: 0.25, mem: 100 << 20},
		{name: "nothing asked, nothing set", got: v2(-1, -1)},
		{name: "quota missing", got: v2(-1, 512<<20), cpu: 1, mem: 512 << 20, wantErr: "no CPU quota where 1 cores were asked"},
		{name: "quota differs", got: v2(200000, 512<<20), cpu: 1, mem: 512 << 20, wantErr: "a CPU quota of 2 cores where 1 were asked"},
		{name: "memory missing", got: v2(100000, -1), cpu: 1, mem: 512 << 20, wantErr: "no memory limit where 536870912 bytes"},
		{name: "memory higher", got: v2(100000, 1<<30), cpu: 1, mem: 512 << 20, wantErr: "a memory limit of 1073741824 bytes"},
		{name: "a quota nobody asked for", got: v2(50000, -1), wantErr: "a CPU quota of 0.5 cores where none was asked"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Compare(tc.got, tc.cpu, tc.mem)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("Compare: %v, want a match", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("Compare: %v, want an error naming %q", err, tc.wantErr)
			}
		})
	}
}
