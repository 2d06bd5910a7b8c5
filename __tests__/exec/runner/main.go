// runner starts every file of a folder once, as runc would (execve, no shell fallback), and
// prints one line per file: its name, a tab, and how it ended: `exit N`, `signal NAME`,
// `errno NAME` (execve failed) or `timeout`. The kernel-exec truth test compares these lines
// with the scanner's predictions.
package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"syscall"
	"time"
)

var errnoNames = map[syscall.Errno]string{
	syscall.ENOEXEC: "ENOEXEC", syscall.EIO: "EIO", syscall.ENOENT: "ENOENT",
	syscall.EACCES: "EACCES", syscall.ELOOP: "ELOOP", syscall.EINVAL: "EINVAL",
	syscall.ENOMEM: "ENOMEM", syscall.EFAULT: "EFAULT", syscall.E2BIG: "E2BIG",
}

func outcome(path string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path)
	err := cmd.Run()
	if ctx.Err() != nil {
		return "timeout"
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		status := exitErr.Sys().(syscall.WaitStatus)
		if status.Signaled() {
			return "signal " + signalName(status.Signal())
		}
		return fmt.Sprintf("exit %d", status.ExitStatus())
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if name, ok := errnoNames[errno]; ok {
			return "errno " + name
		}
		return fmt.Sprintf("errno %d", int(errno))
	}
	if err != nil {
		return "error " + err.Error()
	}
	return "exit 0"
}

func signalName(s syscall.Signal) string {
	switch s {
	case syscall.SIGSEGV:
		return "SIGSEGV"
	case syscall.SIGBUS:
		return "SIGBUS"
	case syscall.SIGILL:
		return "SIGILL"
	case syscall.SIGKILL:
		return "SIGKILL"
	case syscall.SIGTRAP:
		return "SIGTRAP"
	case syscall.SIGFPE:
		return "SIGFPE"
	case syscall.SIGABRT:
		return "SIGABRT"
	}
	return fmt.Sprintf("%d", int(s))
}

func main() {
	dir := os.Args[1]
	var names []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for _, e := range entries {
		if e.Type()&fs.ModeType == 0 {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Printf("%s\t%s\n", name, outcome(filepath.Join(dir, name)))
	}
}
