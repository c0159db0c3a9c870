package contract

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The checked-in ABI, bytecode and Go bindings are what `make contracts`
// produces from BulletinBoard.sol with the pinned solc and abigen: the
// contract is compiled and bound afresh into a temporary directory and
// compared byte for byte. It needs node and npm (solc is installed from the
// npm registry into contracts/node_modules on first use); without node the
// test is skipped, except under CI=true, where it fails.
func TestGeneratedFilesCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the contract; skipped in -short mode")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node is not installed: CI must check that the contract's generated files are current")
		}
		t.Skip("node is not installed; cannot check the generated contract files")
	}
	src := filepath.Join("..", "contracts")
	if _, err := os.Stat(filepath.Join(src, "node_modules", "solc")); err != nil {
		run(t, "npm", "ci", "--prefix", src, "--no-audit", "--no-fund")
	}
	out := t.TempDir()
	run(t, node, filepath.Join(src, "compile.js"), out)
	for _, name := range []string{"BulletinBoard.abi", "BulletinBoard.bin"} {
		same(t, filepath.Join(src, name), filepath.Join(out, name))
	}
	gen := filepath.Join(out, "gen_bulletinboard.go")
	run(t, "go", "tool", "abigen", "--v2", "--abi", filepath.Join(out, "BulletinBoard.abi"),
		"--bin", filepath.Join(out, "BulletinBoard.bin"), "--pkg", "contract", "--type", "BulletinBoard", "--out", gen)
	same(t, "gen_bulletinboard.go", gen)
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func same(t *testing.T, checkedIn, fresh string) {
	t.Helper()
	a, err := os.ReadFile(checkedIn)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(fresh)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("%s is stale: regenerate it with make contracts (or make generate) and commit it", checkedIn)
	}
}
