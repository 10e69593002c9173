package containerd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/containerd/containerd/mount"
	"github.com/containerd/containerd/pkg/testutil"
)

// waitLimit bounds every wait of these tests; reaching it is a failure, never a pass.
const waitLimit = 60 * time.Second

// daemon is a containerd started by a test: Debian's binary with a configuration, root, state and
// sockets of its own in a temporary directory, stopped when the test ends.
type daemon struct {
	dir     string
	address string
	log     *bytes.Buffer
}

// startContainerd starts containerd with proxyPlugins (snapshotter name -> unix socket) and waits
// until it answers ctr.
func startContainerd(t *testing.T, proxyPlugins map[string]string) *daemon {
	t.Helper()
	testutil.RequiresRoot(t)
	// Unix socket paths are limited to 108 bytes: a short directory of its own, not t.TempDir().
	dir, err := os.MkdirTemp("", "ctrd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		unmountUnder(t, dir)
		os.RemoveAll(dir)
	})
	d := &daemon{dir: dir, address: filepath.Join(dir, "containerd.sock"), log: &bytes.Buffer{}}
	var config strings.Builder
	fmt.Fprintf(&config, "version = 2\nroot = %q\nstate = %q\n", filepath.Join(dir, "root"), filepath.Join(dir, "state"))
	// The CRI plugin wants a CNI setup and a runtime this test does not need.
	config.WriteString("disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n")
	fmt.Fprintf(&config, "[grpc]\n  address = %q\n[ttrpc]\n  address = %q\n", d.address, d.address+".ttrpc")
	fmt.Fprintf(&config, "[plugins.\"io.containerd.internal.v1.opt\"]\n  path = %q\n", filepath.Join(dir, "opt"))
	for name, socket := range proxyPlugins {
		fmt.Fprintf(&config, "[proxy_plugins.%q]\n  type = \"snapshot\"\n  address = %q\n", name, socket)
	}
	configPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(configPath, []byte(config.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command("containerd", "--config", configPath)
	cmd.Stdout, cmd.Stderr = d.log, d.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting containerd: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(waitLimit):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("containerd's log:\n%s", d.log.String())
		}
	})

	deadline := time.Now().Add(waitLimit)
	for {
		if _, err := d.ctrOutput("version"); err == nil {
			return d
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("containerd exited while starting (%v):\n%s", err, d.log.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("containerd did not answer within %v:\n%s", waitLimit, d.log.String())
		}
	}
}

// ctrOutput runs ctr against the daemon and returns its standard output; the error carries its
// standard error.
func (d *daemon) ctrOutput(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ctr", append([]string{"--address", d.address}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("ctr %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// ctr runs ctr against the daemon, failing the test if it fails.
func (d *daemon) ctr(t *testing.T, args ...string) string {
	t.Helper()
	out, err := d.ctrOutput(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// mountsOf parses what `ctr snapshot prepare|view --mounts` prints.
func mountsOf(t *testing.T, printed string) []mount.Mount {
	t.Helper()
	var mounts []mount.Mount
	if err := json.Unmarshal([]byte(printed), &mounts); err != nil {
		t.Fatalf("ctr printed mounts that are not JSON (%v): %q", err, printed)
	}
	if len(mounts) == 0 {
		t.Fatalf("ctr printed no mounts: %q", printed)
	}
	return mounts
}

// mountAt mounts mounts on a new directory and unmounts it when the test ends (or earlier, through the
// returned function, which may be called more than once).
func mountAt(t *testing.T, mounts []mount.Mount) (target string, unmount func()) {
	t.Helper()
	target = t.TempDir()
	if err := mount.All(mounts, target); err != nil {
		t.Fatalf("mounting %+v: %v", mounts, err)
	}
	done := false
	unmount = func() {
		if done {
			return
		}
		done = true
		if err := mount.UnmountAll(target, 0); err != nil {
			t.Errorf("unmounting %s: %v", target, err)
		}
	}
	t.Cleanup(unmount)
	return target, unmount
}

// unmountUnder unmounts whatever a failed test left mounted below dir, deepest first, so that removing
// dir cannot reach into a snapshot's content.
func unmountUnder(t *testing.T, dir string) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Errorf("reading mountinfo: %v", err)
		return
	}
	var targets []string
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) > 4 && strings.HasPrefix(fields[4], dir+"/") {
			targets = append(targets, fields[4])
		}
	}
	for i := len(targets) - 1; i >= 0; i-- {
		if err := mount.UnmountAll(targets[i], syscall.MNT_DETACH); err != nil {
			t.Errorf("unmounting %s: %v", targets[i], err)
		}
	}
}
