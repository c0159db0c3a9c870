package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The documents key file: veche documents creates DATA/documents.key on
// first use (mode 0600) and seals the issuer's key with it; with another
// key file (a copied database on another machine) veche documents and
// veche serve refuse to start and say which setting to fix; a key file
// others may read is refused; the setting documents.key-file (here from
// the environment) points both commands at a file elsewhere.
func TestDocumentsKeyFileGuardsTheIssuersKeys(t *testing.T) {
	data, run := documentsData(t)
	dir := filepath.Dir(data)
	by := []string{"--by", "registry@city.example"}
	run(0, append([]string{"documents", "issuer", "City property registry"}, by...)...)
	keyFile := filepath.Join(data, "documents.key")
	fi, err := os.Stat(keyFile)
	if err != nil {
		t.Fatalf("no key file after the first use: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	key, _ := os.ReadFile(keyFile)
	run(0, append([]string{"documents", "building", "Lenina 5"}, by...)...)

	// Another key file: both commands refuse, naming the file and the
	// setting, and show no key.
	other := filepath.Join(dir, "other.key")
	for _, args := range [][]string{
		append([]string{"documents", "building", "Lenina 7", "--key-file", other}, by...),
		{"serve", "--listen", "127.0.0.1:0", "--documents-key-file", other},
	} {
		out := run(1, args...)
		if !strings.Contains(out, "key file") || !strings.Contains(out, other) || !strings.Contains(out, "documents.key-file") {
			t.Errorf("veche %s: %s", args[0], out)
		}
		if strings.Contains(out, strings.TrimSpace(string(key))) {
			t.Errorf("veche %s shows the key: %s", args[0], out)
		}
	}

	// Open to others: refused.
	if err := os.Chmod(keyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	if out := run(1, append([]string{"documents", "building", "Lenina 9"}, by...)...); !strings.Contains(out, "chmod 600") {
		t.Errorf("a world-readable key file: %s", out)
	}

	// The setting points at the file moved elsewhere.
	moved := filepath.Join(dir, "keys", "documents.key")
	if err := os.MkdirAll(filepath.Dir(moved), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(keyFile, moved); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(moved, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VECHE_DOCUMENTS_KEY_FILE", moved)
	if out := run(0, "config"); !strings.Contains(out, "documents.key-file") || !strings.Contains(out, moved) || !strings.Contains(out, "VECHE_DOCUMENTS_KEY_FILE") {
		t.Errorf("veche config: %s", out)
	}
	run(0, append([]string{"documents", "building", "Lenina 11"}, by...)...)
	_, _, stop := serveInProcess(t, data, 0)
	stop()
	if _, err := os.Stat(keyFile); err == nil {
		t.Error("a new key file was created in the data directory although the setting names another")
	}
}
