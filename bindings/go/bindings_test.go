package snapshotter_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Functions of the header this package deliberately does not call, and why.
var unboundFunctions = map[string]string{
	"snapshotter_error_code":          "every call returns its code",
	"snapshotter_cancel_is_triggered": "a context says whether it is done",
}

// Every function of the header cgo compiled against is called somewhere in this package (or listed
// in unboundFunctions), so a function added to the ABI fails here until it is bound.
func TestEveryHeaderFunctionIsBound(t *testing.T) {
	includeDir, err := exec.Command("pkg-config", "--variable=includedir", "libsnapshotter").Output()
	if err != nil {
		t.Fatalf("pkg-config --variable=includedir libsnapshotter: %v", err)
	}
	header, err := exec.Command("cc", "-E", "-P", filepath.Join(strings.TrimSpace(string(includeDir)), "snapshotter.h")).Output()
	if err != nil {
		t.Fatalf("preprocessing the header: %v", err)
	}
	// Declared functions: snapshotter_... directly followed by '(' (typedef'd pointers read "(*name)(").
	declared := regexp.MustCompile(`\b(snapshotter_[a-z0-9_]+)\s*\(`).FindAllStringSubmatch(string(header), -1)
	sources, _ := filepath.Glob("*.go")
	var code strings.Builder
	for _, source := range sources {
		if !strings.HasSuffix(source, "_test.go") {
			text, err := os.ReadFile(source)
			if err != nil {
				t.Fatal(err)
			}
			code.Write(text)
		}
	}
	if len(declared) < 10 {
		t.Fatalf("found only %d functions in the header", len(declared))
	}
	for _, match := range declared {
		name := match[1]
		if _, ok := unboundFunctions[name]; !ok && !strings.Contains(code.String(), "C."+name+"(") {
			t.Errorf("%s is declared in the header but not bound: call it from the package (see docs/bindings.md)", name)
		}
	}
}
