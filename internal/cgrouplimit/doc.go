// Package cgrouplimit reads the CPU and memory limits that a process's
// cgroup imposes, as the process itself sees them, and compares them with
// the limits a fixture asked for. It serves the fixtures' check that
// "limits enforced" is true: the docker and kube fixtures run `meshperf
// cgroup-limits` inside a container, which calls Read("/proc/self"); the
// local fixture calls Read("/proc/<pid>") of the process it started.
//
// cgroup v2 is read from cpu.max and memory.max; v1 from
// cpu.cfs_quota_us, cpu.cfs_period_us and memory.limit_in_bytes, in the
// hierarchies that carry the cpu and memory controllers. The files are
// opened at the mount points listed in <proc>/mountinfo, so Read must run
// in the same mount namespace as the process it reads.
package cgrouplimit
