package veche_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The layering described in docs/README.md (crypto at the bottom, then bulletin,
// voting, tally, services, and cmd on top) is kept by these rules, checked
// on the import graph of the non-test code: test files may import what they
// need (gtank/ristretto255 as a reference implementation, for instance).
//
// Do not relax a rule to make this test pass: move the code instead, or
// change the design in docs/decisions first.

const module = "github.com/veche/veche"

// pkg is the part of `go list -json` output the rules read.
type pkg struct {
	ImportPath string
	Standard   bool
	Imports    []string // direct imports of the non-test files
	Deps       []string // transitive imports of the non-test files
	Error      *struct{ Err string }
}

// under reports whether import path p is dir or inside it; dir is relative
// to the module.
func under(p, dir string) bool {
	full := module + "/" + dir
	return p == full || strings.HasPrefix(p, full+"/")
}

func ours(p string) bool { return p == module || strings.HasPrefix(p, module+"/") }

// inModule reports whether p is in one of the given module paths.
func inModule(p string, modules ...string) bool {
	for _, m := range modules {
		if p == m || strings.HasPrefix(p, m+"/") {
			return true
		}
	}
	return false
}

// violations applies the layering rules to the packages of the module;
// all maps every package (ours and dependencies) by import path.
func violations(all map[string]*pkg) []string {
	var out []string
	bad := func(p *pkg, format string, args ...any) {
		out = append(out, p.ImportPath+": "+fmt.Sprintf(format, args...))
	}
	std := func(path string) bool {
		if q, ok := all[path]; ok {
			return q.Standard
		}
		// Not listed (go list failed on it): standard paths have no dot
		// in their first element.
		first, _, _ := strings.Cut(path, "/")
		return !strings.Contains(first, ".")
	}
	var paths []string
	for path := range all {
		if ours(path) {
			paths = append(paths, path)
		}
	}
	slices.Sort(paths)

	for _, path := range paths {
		p := all[path]
		for _, imp := range p.Imports {
			switch {
			case under(path, "crypto") && !(std(imp) || under(imp, "crypto") ||
				inModule(imp, "filippo.io/edwards25519", "golang.org/x/crypto")):
				why := "crypto may import only the standard library, crypto/..., filippo.io/edwards25519 and golang.org/x/crypto"
				if inModule(imp, "github.com/gtank/ristretto255") {
					why = "gtank/ristretto255 is a reference for _test files only"
				}
				bad(p, "imports %s: %s", imp, why)
			case inModule(imp, "github.com/ethereum/go-ethereum") && !strings.HasPrefix(path, module+"/bulletin/eth"):
				bad(p, "imports %s: only bulletin/eth... may use go-ethereum", imp)
			case inModule(imp, "github.com/spf13/viper", "github.com/spf13/cobra", "github.com/spf13/pflag") && !under(path, "cmd"):
				bad(p, "imports %s: only cmd/ reads configuration and flags; pass values down", imp)
			}
		}
		for _, dep := range p.Deps {
			switch {
			case !ours(dep):
			case under(dep, "cmd") && !under(path, "cmd"):
				bad(p, "depends on %s: nothing depends on cmd/", dep)
			case under(path, "bulletin") && !under(dep, "bulletin"):
				bad(p, "depends on %s: bulletin knows nothing of Veche", dep)
			case under(path, "voting") && (under(dep, "tally") || under(dep, "services")):
				bad(p, "depends on %s: voting is below tally and services", dep)
			case under(path, "tally") && under(dep, "services"):
				bad(p, "depends on %s: tally is below services", dep)
			}
		}
	}
	return out
}

// listPackages runs go list over the module and returns every package it
// names, ours and their dependencies.
func listPackages(t *testing.T) map[string]*pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-deps", "-json", "./...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	all := map[string]*pkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		p := new(pkg)
		if err := dec.Decode(p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		if p.Error != nil && ours(p.ImportPath) {
			t.Logf("note: %s does not load: %s", p.ImportPath, p.Error.Err)
		}
		all[p.ImportPath] = p
	}
	return all
}

func TestLayering(t *testing.T) {
	all := listPackages(t)
	for _, want := range []string{module + "/crypto/group", module + "/cmd/veche"} {
		if _, ok := all[want]; !ok {
			t.Fatalf("go list did not report %s: the rules would check nothing", want)
		}
	}
	for _, v := range violations(all) {
		t.Error(v)
	}
}

// TestLayeringRulesCatchViolations feeds the rules a made-up module that
// breaks each of them once.
func TestLayeringRulesCatchViolations(t *testing.T) {
	m := func(rel string) string { return module + "/" + rel }
	all := map[string]*pkg{}
	add := func(path string, std bool, imports ...string) {
		all[path] = &pkg{ImportPath: path, Standard: std, Imports: imports, Deps: imports}
	}
	for _, p := range []string{"fmt", "crypto/sha512", "io"} {
		add(p, true)
	}
	for _, p := range []string{"filippo.io/edwards25519", "golang.org/x/crypto/hkdf", "github.com/gtank/ristretto255",
		"github.com/ethereum/go-ethereum/ethclient", "github.com/spf13/viper", "github.com/go-chi/chi/v5"} {
		add(p, false)
	}
	// Allowed.
	add(m("crypto/group"), false, "crypto/sha512", "filippo.io/edwards25519", "golang.org/x/crypto/hkdf")
	add(m("crypto/elgamal"), false, "io", m("crypto/group"))
	add(m("bulletin/ethboard"), false, "github.com/ethereum/go-ethereum/ethclient", m("bulletin"))
	add(m("bulletin"), false, "fmt")
	add(m("voting"), false, m("crypto/elgamal"), m("bulletin"))
	add(m("tally"), false, m("voting"))
	add(m("services/api"), false, m("tally"), "github.com/go-chi/chi/v5")
	add(m("cmd/veche"), false, m("services/api"), "github.com/spf13/viper")
	if v := violations(all); len(v) != 0 {
		t.Fatalf("a well-layered module has violations: %q", v)
	}

	// One violation each.
	add(m("crypto/zkp"), false, "github.com/gtank/ristretto255")
	add(m("crypto/shuffle"), false, m("bulletin"))
	add(m("crypto/dkg"), false, "github.com/go-chi/chi/v5")
	add(m("bulletin/memory"), false, m("crypto/group"))
	add(m("voting/box"), false, m("tally"))
	all[m("voting/box")].Deps = []string{m("tally")} // the transitive m("voting") is fine
	add(m("tally/verify"), false, m("services/api"))
	all[m("tally/verify")].Deps = []string{m("services/api")}
	add(m("services/stalls"), false, "github.com/ethereum/go-ethereum/ethclient")
	add(m("services/polls"), false, "github.com/spf13/viper")
	add(m("services/identity"), false, m("cmd/veche"))
	all[m("services/identity")].Deps = []string{m("cmd/veche")}

	got := violations(all)
	want := []string{
		"bulletin/memory: depends on " + m("crypto/group"),
		"crypto/dkg: imports github.com/go-chi/chi/v5",
		"crypto/shuffle: imports " + m("bulletin"),
		"crypto/zkp: imports github.com/gtank/ristretto255: gtank/ristretto255 is a reference for _test files only",
		"services/identity: depends on " + m("cmd/veche"),
		"services/polls: imports github.com/spf13/viper",
		"services/stalls: imports github.com/ethereum/go-ethereum/ethclient",
		"tally/verify: depends on " + m("services/api"),
		"voting/box: depends on " + m("tally"),
	}
	if len(got) != len(want) {
		t.Fatalf("got %d violations, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], module+"/"+want[i]) {
			t.Errorf("violation %d = %q, want it to start with %q", i, got[i], want[i])
		}
	}
}
