package containerd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
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

// pluginBinary is the proxy plugin program, built once per test run by buildPlugin.
var (
	pluginOnce   sync.Once
	pluginBinary string
	pluginErr    error
)

// buildPlugin builds cmd/containerd-libsnapshotter with the go command and environment (GOPATH mode)
// this test runs under.
func buildPlugin(t *testing.T) string {
	t.Helper()
	pluginOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ctrd-plugin")
		if err != nil {
			pluginErr = err
			return
		}
		cleanups = append(cleanups, func() { os.RemoveAll(dir) })
		pluginBinary = filepath.Join(dir, "containerd-libsnapshotter")
		out, err := exec.Command("go", "build", "-o", pluginBinary, "libsnapshotter.dev/bindings/go/containerd/cmd/containerd-libsnapshotter").CombinedOutput()
		if err != nil {
			pluginErr = fmt.Errorf("building the proxy plugin: %v\n%s", err, out)
		}
	})
	if pluginErr != nil {
		t.Fatal(pluginErr)
	}
	return pluginBinary
}

// cleanups run once every test has run.
var cleanups []func()

func TestMain(m *testing.M) {
	code := m.Run()
	for _, cleanup := range cleanups {
		cleanup()
	}
	os.Exit(code)
}

// startPlugin starts the proxy plugin on a store of its own and returns its socket once it accepts
// connections; it is stopped when the test ends.
func startPlugin(t *testing.T) (socket, storeRoot string) {
	t.Helper()
	binary := buildPlugin(t)
	dir, err := os.MkdirTemp("", "ctrd-store")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		unmountUnder(t, dir)
		os.RemoveAll(dir)
	})
	socket, storeRoot = filepath.Join(dir, "plugin.sock"), filepath.Join(dir, "store")
	var log bytes.Buffer
	cmd := exec.Command(binary, "-root", storeRoot, "-address", socket)
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("the proxy plugin exited with %v:\n%s", err, log.String())
			}
		case <-time.After(waitLimit):
			cmd.Process.Kill()
			<-exited
			t.Errorf("the proxy plugin did not stop within %v of SIGTERM:\n%s", waitLimit, log.String())
		}
	})
	deadline := time.Now().Add(waitLimit)
	for {
		if conn, err := net.Dial("unix", socket); err == nil {
			conn.Close()
			return socket, storeRoot
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("the proxy plugin exited while starting (%v):\n%s", err, log.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the proxy plugin did not listen within %v:\n%s", waitLimit, log.String())
		}
	}
}

// view makes a view with `ctr snapshot view --mounts` and returns its mounts. Unlike prepare and commit,
// ctr's view gives the view no containerd.io/gc.root label, so containerd's collector (which runs soon
// after any deletion, such as the removal of the actives an unpack committed) could remove it while the
// test uses it: the collector is run to completion first (deleting a lease with --sync waits for it),
// leaving nothing that would schedule it again before the view is labelled a root.
func (d *daemon) view(t *testing.T, snapshotter, key, parent string) []mount.Mount {
	t.Helper()
	lease := strings.TrimSpace(d.ctr(t, "leases", "create"))
	d.ctr(t, "leases", "delete", "--sync", lease)
	sn := []string{"snapshot", "--snapshotter", snapshotter}
	mounts := mountsOf(t, d.ctr(t, append(sn, "view", "--mounts", key, parent)...))
	d.ctr(t, append(sn, "label", key, "containerd.io/gc.root="+time.Now().UTC().Format(time.RFC3339))...)
	return mounts
}
