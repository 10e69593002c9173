// Command containerd-libsnapshotter serves a libsnapshotter store as a containerd snapshotter: a proxy
// plugin speaking containerd's snapshots gRPC API on a unix socket.
//
//	containerd-libsnapshotter -root /var/lib/libsnapshotter -address /run/libsnapshotter.sock
//
// and in containerd's config.toml:
//
//	[proxy_plugins.libsnapshotter]
//	  type = "snapshot"
//	  address = "/run/libsnapshotter.sock"
//
// It stops on SIGINT or SIGTERM, after the calls in flight.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	snapshotsapi "github.com/containerd/containerd/api/services/snapshots/v1"
	"github.com/containerd/containerd/contrib/snapshotservice"
	"google.golang.org/grpc"
	"libsnapshotter.dev/bindings/go/containerd"
)

func main() {
	root := flag.String("root", "", "the store's root directory (created if missing)")
	address := flag.String("address", "", "the unix socket to serve on (a stale socket there is replaced)")
	flag.Parse()
	if *root == "" || *address == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: containerd-libsnapshotter -root DIR -address SOCKET")
		os.Exit(2)
	}
	if err := serve(*root, *address); err != nil {
		fmt.Fprintln(os.Stderr, "containerd-libsnapshotter:", err)
		os.Exit(1)
	}
}

func serve(root, address string) error {
	if err := removeStaleSocket(address); err != nil {
		return err
	}
	sn, err := containerd.NewSnapshotter(root)
	if err != nil {
		return err
	}
	defer sn.Close()
	listener, err := net.Listen("unix", address)
	if err != nil {
		return err
	}
	server := grpc.NewServer()
	snapshotsapi.RegisterSnapshotsServer(server, snapshotservice.FromSnapshotter(sn))

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-signals
		server.GracefulStop()
	}()
	return server.Serve(listener)
}

// removeStaleSocket removes a socket a previous run left at address; anything else there is an error
// rather than something to delete.
func removeStaleSocket(address string) error {
	info, err := os.Lstat(address)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if info.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("%s exists and is not a socket", address)
	}
	return os.Remove(address)
}
