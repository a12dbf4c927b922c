package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is a server started as a subprocess; its stdout and stderr go to a
// log file, and the first "URL http://..." line it prints gives its address.
type proc struct {
	cmd  *exec.Cmd
	URL  string
	Log  string
	done chan struct{}

	mu    sync.Mutex
	lines []string // stdout lines, for callers that parse what it printed
}

// startProc starts bin with args and env (added to this process's
// environment), and waits up to timeout for its URL line.
func startProc(bin string, args, env []string, logPath string, timeout time.Duration) (*proc, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = lf
	out, err := cmd.StdoutPipe()
	if err != nil {
		lf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	p := &proc{cmd: cmd, Log: logPath, done: make(chan struct{})}
	urlc := make(chan string, 1)
	go func() {
		defer lf.Close()
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(lf, line)
			p.mu.Lock()
			p.lines = append(p.lines, line)
			p.mu.Unlock()
			if u, ok := strings.CutPrefix(line, "URL "); ok {
				select {
				case urlc <- strings.TrimSpace(u):
				default:
				}
			}
		}
		_, _ = io.Copy(lf, out)
	}()
	go func() { _ = cmd.Wait(); close(p.done) }()
	select {
	case p.URL = <-urlc:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("%s exited before printing its URL (log: %s)", bin, logPath)
	case <-time.After(timeout):
		p.Stop()
		return nil, fmt.Errorf("%s printed no URL within %s (log: %s)", bin, timeout, logPath)
	}
}

// Stdout returns the lines printed so far.
func (p *proc) Stdout() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

// Pid is the subprocess's process id.
func (p *proc) Pid() int { return p.cmd.Process.Pid }

// Stop asks the process to shut down (SIGTERM), and kills it after 10 s.
func (p *proc) Stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// memMB reads VmRSS and VmHWM (peak RSS) of pid, in megabytes.
func memMB(pid int) (rss, hwm float64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) < 1 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[0], 64)
		switch k {
		case "VmRSS":
			rss = kb / 1024
		case "VmHWM":
			hwm = kb / 1024
		}
	}
	if rss == 0 {
		return 0, 0, errors.New("no VmRSS in /proc status")
	}
	return rss, hwm, nil
}

// rssSampler records the highest VmRSS of pid seen every 10 ms until
// stopped; VmHWM cannot be reset, so a window's peak needs sampling.
type rssSampler struct {
	stop chan struct{}
	done chan float64
}

func sampleRSS(pid int) *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), done: make(chan float64, 1)}
	go func() {
		peak := 0.0
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if r, _, err := memMB(pid); err == nil && r > peak {
				peak = r
			}
			select {
			case <-s.stop:
				s.done <- peak
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// Peak stops sampling and returns the highest RSS seen, in MB.
func (s *rssSampler) Peak() float64 {
	close(s.stop)
	return <-s.done
}

// raiseNoFile lifts the open-file limit to its hard maximum: thousands of
// SSE connections need a descriptor each on both ends.
func raiseNoFile() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < l.Max {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}
