package snapshotter_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	snapshotter "libsnapshotter.dev/bindings/go"
)

// A background collection fails (its lock file is a directory): no call returns that, the logger
// receives it.
func TestLoggerReceivesABackgroundCollectionFailure(t *testing.T) {
	errorsSeen := make(chan string, 16)
	if err := snapshotter.SetLogger(snapshotter.LogWarning, func(level snapshotter.LogLevel, message string) {
		if level == snapshotter.LogError {
			select {
			case errorsSeen <- message:
			default:
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := snapshotter.SetLogger(snapshotter.LogError, nil); err != nil {
			t.Error(err)
		}
	})
	gc := snapshotter.GCOptions{Interval: time.Second}
	root := filepath.Join(t.TempDir(), "root")
	open(t, snapshotter.Options{RootDir: root, GC: &gc})
	lock := filepath.Join(root, "metadata", "collector.lock")
	if err := os.Remove(lock); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	if err := os.Mkdir(lock, 0o755); err != nil {
		t.Fatal(err)
	}
	select {
	case message := <-errorsSeen:
		if !strings.Contains(message, "background garbage collection") || !strings.Contains(message, root) {
			t.Fatalf("the message names neither the collection nor its root: %q", message)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no error logged within 30 s of a failing background collection")
	}
}

// After SetLogger returns, the previous func is not running and never called again, even while the
// library is logging every second.
func TestSetLoggerReplacesTheFuncForGood(t *testing.T) {
	var calls, running atomic.Int32
	first := make(chan struct{}, 1)
	if err := snapshotter.SetLogger(snapshotter.LogDebug, func(snapshotter.LogLevel, string) {
		running.Add(1)
		calls.Add(1)
		select {
		case first <- struct{}{}:
		default:
		}
		time.Sleep(200 * time.Millisecond)
		running.Add(-1)
	}); err != nil {
		t.Fatal(err)
	}
	gc := snapshotter.GCOptions{Interval: time.Second}
	open(t, snapshotter.Options{GC: &gc})
	select {
	case <-first:
	case <-time.After(30 * time.Second):
		t.Fatal("no debug message within 30 s")
	}
	if err := snapshotter.SetLogger(snapshotter.LogError, nil); err != nil {
		t.Fatal(err)
	}
	after := calls.Load()
	if running.Load() != 0 {
		t.Fatal("SetLogger returned while the previous logger was running")
	}
	time.Sleep(1500 * time.Millisecond)
	if calls.Load() != after {
		t.Fatalf("the replaced logger was called %d more times", calls.Load()-after)
	}
}

func TestSetLoggerRefusesAnUnknownLevel(t *testing.T) {
	err := snapshotter.SetLogger(snapshotter.LogLevel(9), func(snapshotter.LogLevel, string) {})
	if !errors.Is(err, snapshotter.ErrInvalidArgument) || !strings.Contains(err.Error(), "level 9") {
		t.Fatalf("level 9: %v", err)
	}
}
