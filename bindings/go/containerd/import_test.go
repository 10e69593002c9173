package containerd_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	lib "libsnapshotter.dev/bindings/go"
)

// entry is one file of a layer or of a tree: its type ('d', 'f', 'l'), permission bits, and its content
// or link target.
type entry struct {
	kind    byte
	mode    os.FileMode
	content string
}

// layerFile is one tar member of a test layer, in order.
type layerFile struct {
	name string
	entry
}

func dir(name string) layerFile { return layerFile{name, entry{'d', 0o755, ""}} }
func file(name, content string, mode os.FileMode) layerFile {
	return layerFile{name, entry{'f', mode, content}}
}
func symlink(name, target string) layerFile { return layerFile{name, entry{'l', 0o777, target}} }

// testLayers are an image's two layers: the second changes, adds and deletes (whiteouts of a file, a
// symlink and a directory, and an opaque directory) what the first holds.
var testLayers = [][]layerFile{
	{
		dir("etc"), file("etc/hostname", "one\n", 0o644),
		dir("app"), file("app/run.sh", "#!/bin/sh\necho 1\n", 0o755), symlink("app/current", "run.sh"),
		dir("cache"), file("cache/a", "a\n", 0o644), file("cache/b", "b\n", 0o600),
		file("gone.txt", "soon gone\n", 0o644),
		dir("olddir"), dir("olddir/sub"), file("olddir/sub/x", "x\n", 0o644),
	},
	{
		dir("etc"), file("etc/hostname", "two\n", 0o644),
		dir("app"), file("app/.wh.current", "", 0o644), file("app/run.sh", "#!/bin/sh\necho 2\n", 0o750),
		dir("cache"), file("cache/.wh..wh..opq", "", 0o644), file("cache/c", "c\n", 0o644),
		file(".wh.gone.txt", "", 0o644),
		file(".wh.olddir", "", 0o644),
		dir("new"), file("new/file", "new\n", 0o600),
	},
}

// applyLayers is the tree the layers make when applied in order, as the OCI image spec defines it:
// ".wh.NAME" deletes NAME (and what is under it) from the layers below, ".wh..wh..opq" empties its
// directory of what the layers below put there.
func applyLayers(layers [][]layerFile) map[string]entry {
	tree := map[string]entry{}
	for _, layer := range layers {
		lower := make(map[string]bool, len(tree))
		for name := range tree {
			lower[name] = true
		}
		for _, f := range layer {
			parent, base := path.Split(f.name)
			switch {
			case base == ".wh..wh..opq":
				for name := range tree {
					if lower[name] && strings.HasPrefix(name, parent) {
						delete(tree, name)
					}
				}
			case strings.HasPrefix(base, ".wh."):
				deleted := parent + strings.TrimPrefix(base, ".wh.")
				for name := range tree {
					if name == deleted || strings.HasPrefix(name, deleted+"/") {
						delete(tree, name)
					}
				}
			default:
				tree[f.name] = f.entry
			}
		}
	}
	return tree
}

// readTree reads root into the form applyLayers returns.
func readTree(t *testing.T, root string) map[string]entry {
	t.Helper()
	tree := map[string]entry{}
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		e := entry{mode: info.Mode().Perm()}
		switch {
		case info.IsDir():
			e.kind = 'd'
		case info.Mode()&os.ModeSymlink != 0:
			e.kind = 'l'
			if e.content, err = os.Readlink(p); err != nil {
				return err
			}
		case info.Mode().IsRegular():
			e.kind = 'f'
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			e.content = string(data)
		default:
			return fmt.Errorf("%s: unexpected file type %v", rel, info.Mode())
		}
		tree[rel] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// ociArchive writes an OCI image layout tarball of layers (the first uncompressed, the others gzip)
// named ref.name "v1", for `ctr image import`, and returns the rootfs chain ID containerd unpacks it
// under.
func ociArchive(t *testing.T, out string, layers [][]layerFile) digest.Digest {
	t.Helper()
	blobs := map[digest.Digest][]byte{}
	add := func(data []byte) digest.Digest {
		d := digest.FromBytes(data)
		blobs[d] = data
		return d
	}
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var diffIDs []digest.Digest
	var layerDescs []ocispec.Descriptor
	for i, layer := range layers {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, f := range layer {
			h := &tar.Header{Name: f.name, Mode: int64(f.mode), ModTime: created, Format: tar.FormatPAX}
			switch f.kind {
			case 'd':
				h.Typeflag, h.Name = tar.TypeDir, f.name+"/"
			case 'f':
				h.Typeflag, h.Size = tar.TypeReg, int64(len(f.content))
			case 'l':
				h.Typeflag, h.Linkname = tar.TypeSymlink, f.content
			}
			if err := tw.WriteHeader(h); err != nil {
				t.Fatal(err)
			}
			if f.kind == 'f' {
				if _, err := tw.Write([]byte(f.content)); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		diffIDs = append(diffIDs, digest.FromBytes(buf.Bytes()))
		blob, mediaType := buf.Bytes(), ocispec.MediaTypeImageLayer
		if i > 0 {
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			if _, err := zw.Write(blob); err != nil {
				t.Fatal(err)
			}
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			blob, mediaType = gz.Bytes(), ocispec.MediaTypeImageLayerGzip
		}
		layerDescs = append(layerDescs, ocispec.Descriptor{MediaType: mediaType, Digest: add(blob), Size: int64(len(blob))})
	}

	config := mustJSON(t, ocispec.Image{
		Created:      &created,
		Architecture: runtime.GOARCH,
		OS:           "linux",
		RootFS:       ocispec.RootFS{Type: "layers", DiffIDs: diffIDs},
	})
	manifest := mustJSON(t, ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageManifest,
		Config:    ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: add(config), Size: int64(len(config))},
		Layers:    layerDescs,
	})
	index := mustJSON(t, ocispec.Index{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageIndex,
		Manifests: []ocispec.Descriptor{{
			MediaType:   ocispec.MediaTypeImageManifest,
			Digest:      add(manifest),
			Size:        int64(len(manifest)),
			Annotations: map[string]string{ocispec.AnnotationRefName: "v1"},
		}},
	})

	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	put := func(name string, data []byte) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data)), ModTime: created}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	put(ocispec.ImageLayoutFile, mustJSON(t, ocispec.ImageLayout{Version: ocispec.ImageLayoutVersion}))
	put("index.json", index)
	for d, data := range blobs {
		put("blobs/"+d.Algorithm().String()+"/"+d.Encoded(), data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	chain := diffIDs[0]
	for _, diffID := range diffIDs[1:] {
		chain = digest.FromString(chain.String() + " " + diffID.String())
	}
	return chain
}

func mustJSON(t *testing.T, v interface{}) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// ctrImageImport imports a two-layer image with `ctr image import --snapshotter`, which unpacks it
// through snapshotter, and checks that the unpacked rootfs is the layers applied in order; removing the
// image then removes its snapshots.
func ctrImageImport(t *testing.T, d *daemon, snapshotter string) {
	archive := filepath.Join(t.TempDir(), "image.tar")
	chain := ociArchive(t, archive, testLayers)
	d.ctr(t, "image", "import", "--base-name", "example.test/layers", "--snapshotter", snapshotter, archive)

	sn := []string{"snapshot", "--snapshotter", snapshotter}
	root, unmount := mountAt(t, d.view(t, snapshotter, "rootfs", chain.String()))
	got, want := readTree(t, root), applyLayers(testLayers)
	unmount()
	for name, w := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("%s: missing from the unpacked rootfs", name)
		} else if g != w {
			t.Errorf("%s: %c %v %q, want %c %v %q", name, g.kind, g.mode, g.content, w.kind, w.mode, w.content)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: in the unpacked rootfs, deleted by the layers", name)
		}
	}
	d.ctr(t, append(sn, "rm", "rootfs")...)

	d.ctr(t, "image", "rm", "--sync", "example.test/layers:v1")
	if listed := strings.Split(strings.TrimSpace(d.ctr(t, append(sn, "ls")...)), "\n"); len(listed) != 1 {
		t.Errorf("snapshots left after removing the image: %q", listed)
	}
}

func TestCtrImageImport(t *testing.T) {
	socket, storeRoot := startPlugin(t)
	d := startContainerd(t, map[string]string{"libsnapshotter": socket})
	ctrImageImport(t, d, "libsnapshotter")

	// containerd's collector removed the image's snapshots from the plugin's store itself, not only from
	// its own metadata: a second handle on the store, beside the plugin's, sees none.
	store, err := lib.Open(lib.Options{RootDir: storeRoot})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if left, err := store.Walk(context.Background(), lib.WalkRequest{}); err != nil || len(left) != 0 {
		t.Errorf("the store still holds %+v (%v) after the image was removed", left, err)
	}
}

// TestCtrImageImportOverlayfs is the control: containerd's overlayfs snapshotter unpacks the image into
// the tree applyLayers expects.
func TestCtrImageImportOverlayfs(t *testing.T) {
	d := startContainerd(t, nil)
	ctrImageImport(t, d, "overlayfs")
}
