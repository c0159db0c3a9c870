package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// veche runs the command line in-process in a fresh, empty working
// directory with no VECHE_* variables but those the test sets.
func veche(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), code
}

// isolate gives the test an empty working directory and an environment
// without VECHE_* variables.
func isolate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, envPrefix+"_") {
			t.Setenv(k, "") // restored after the test
			os.Unsetenv(k)
		}
	}
	return dir
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// settingOf returns the value column of key in `veche config` output.
func settingOf(t *testing.T, configOutput, key string) string {
	t.Helper()
	for _, line := range strings.Split(configOutput, "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == key {
			return strings.Join(f[1:len(f)-1], " ")
		}
	}
	t.Fatalf("no %s in config output:\n%s", key, configOutput)
	return ""
}

func TestDefaults(t *testing.T) {
	isolate(t)
	out, stderr, code := veche(t, "config")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "configuration file: none") {
		t.Errorf("reports a configuration file although there is none:\n%s", out)
	}
	for key, want := range map[string]string{
		"data":                   `"./veche-data"`,
		"log-level":              `"info"`,
		"bench.crypto.ops":       `""`,
		"bench.crypto.benchtime": `"1s"`,
		"bench.crypto.cpu":       `[]`,
	} {
		if got := settingOf(t, out, key); got != want {
			t.Errorf("%s = %s, want %s", key, got, want)
		}
	}
	if !strings.Contains(out, "VECHE_BENCH_CRYPTO_BENCHTIME") || !strings.Contains(out, "VECHE_LOG_LEVEL") {
		t.Errorf("environment variable names missing:\n%s", out)
	}
}

// TestPrecedence checks flags > environment > configuration file > defaults.
func TestPrecedence(t *testing.T) {
	dir := isolate(t)
	writeFile(t, filepath.Join(dir, "veche.yaml"), `
data: /from-file
log-level: warn
bench:
  crypto:
    benchtime: 5x
    ops: from-file
    cpu: [1, 2]
`)
	t.Setenv("VECHE_DATA", "/from-env")
	t.Setenv("VECHE_LOG_LEVEL", "debug")
	t.Setenv("VECHE_BENCH_CRYPTO_OPS", "from-env")

	out, stderr, code := veche(t, "config", "--log-level", "error")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "configuration file: veche.yaml") {
		t.Errorf("veche.yaml in the working directory was not read:\n%s", out)
	}
	for key, want := range map[string]string{
		"data":                   `"/from-env"`, // environment beats file
		"log-level":              `"error"`,     // flag beats environment
		"bench.crypto.ops":       `"from-env"`,  // nested key from the environment
		"bench.crypto.benchtime": `"5x"`,        // file beats default
		"bench.crypto.cpu":       `[1, 2]`,
	} {
		if got := settingOf(t, out, key); got != want {
			t.Errorf("%s = %s, want %s", key, got, want)
		}
	}

	out, _, _ = veche(t, "config", "--data", "/from-flag")
	if got := settingOf(t, out, "data"); got != `"/from-flag"` {
		t.Errorf("data = %s with --data /from-flag and VECHE_DATA set", got)
	}
}

func TestConfigFileChoice(t *testing.T) {
	dir := isolate(t)
	other := filepath.Join(dir, "elsewhere.yaml")
	writeFile(t, other, "data: /from-other\n")
	writeFile(t, filepath.Join(dir, "veche.yaml"), "data: /from-default\n")

	out, _, _ := veche(t, "config", "--config", other)
	if got := settingOf(t, out, "data"); got != `"/from-other"` {
		t.Errorf("--config: data = %s", got)
	}
	t.Setenv("VECHE_CONFIG", other)
	out, _, _ = veche(t, "config")
	if got := settingOf(t, out, "data"); got != `"/from-other"` {
		t.Errorf("VECHE_CONFIG: data = %s", got)
	}
	out, _, _ = veche(t, "config", "--config", "")
	if got := settingOf(t, out, "data"); got != `"./veche-data"` {
		t.Errorf(`--config "": data = %s, want the default`, got)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		args       []string
		want       string
	}{
		{"named file missing", "", []string{"config", "--config", "missing.yaml"}, "missing.yaml"},
		{"misspelt key", "data: x\nlog-levle: debug\n", []string{"config"}, "log-levle"},
		{"misspelt nested key", "bench:\n  crypto:\n    benchtim: 1s\n", []string{"config"}, "benchtim"},
		{"malformed YAML", "data: [unclosed\n", []string{"config"}, "veche.yaml"},
		{"bad log level", "", []string{"config", "--log-level", "loud"}, `invalid log level "loud"`},
		{"wrong type", "bench:\n  crypto:\n    cpu: [one]\n", []string{"config"}, "cpu"},
		{"scalar for a section", "bench: 5\n", []string{"config"}, `unknown setting "bench"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := isolate(t)
			if tc.file != "" {
				writeFile(t, filepath.Join(dir, "veche.yaml"), tc.file)
			}
			out, stderr, code := veche(t, tc.args...)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if !strings.HasPrefix(stderr, "veche: ") || !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr = %q, want a veche: error mentioning %q", stderr, tc.want)
			}
			if out != "" {
				t.Errorf("printed to stdout despite the error: %q", out)
			}
		})
	}
}

func TestHelpWorksWithBrokenConfiguration(t *testing.T) {
	dir := isolate(t)
	writeFile(t, filepath.Join(dir, "veche.yaml"), "no-such-setting: 1\n")
	for _, args := range [][]string{{"help"}, {"help", "demo"}, {"demo", "--help"}, {"completion", "bash"}} {
		out, stderr, code := veche(t, args...)
		if code != 0 || out == "" || stderr != "" {
			t.Errorf("veche %v: exit %d, stderr %q", args, code, stderr)
		}
	}
	if _, stderr, code := veche(t, "demo"); code != 1 || !strings.Contains(stderr, `unknown setting "no-such-setting" in veche.yaml`) {
		t.Errorf("veche demo with an unknown setting: exit %d, stderr %q", code, stderr)
	}
}

func TestLogLevelDebugLogsToStderr(t *testing.T) {
	isolate(t)
	t.Setenv("VECHE_LOG_LEVEL", "debug")
	_, stderr, code := veche(t, "version")
	if code != 0 || !strings.Contains(stderr, "configuration loaded") {
		t.Errorf("exit %d, stderr %q: want a debug line", code, stderr)
	}
	t.Setenv("VECHE_LOG_LEVEL", "info")
	if _, stderr, _ := veche(t, "version"); stderr != "" {
		t.Errorf("info level printed %q", stderr)
	}
}

func TestVersion(t *testing.T) {
	isolate(t)
	out, _, code := veche(t, "version")
	if code != 0 || !regexp.MustCompile(`^veche \S+ \(go\S+ \w+/\w+\)\n$`).MatchString(out) {
		t.Errorf("exit %d, output %q", code, out)
	}
}

func TestDemo(t *testing.T) {
	isolate(t)
	// The election part is services/demo's
	// TestElectionResultsMatchTheVotersChoices; here the tour and the flag.
	out, stderr, code := veche(t, "demo", "--tour-only")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(out, "The commission publishes") {
		t.Error("--tour-only ran the election")
	}
	for _, want := range []string{"Step 1/", "public key X = x·G: ", "The totals match the votes cast (checked)"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if !regexp.MustCompile(`All [0-9]+ steps passed in `).MatchString(out) {
		t.Errorf("demo output lacks the closing line:\n%s", out)
	}
}

func TestBenchCrypto(t *testing.T) {
	dir := isolate(t)
	// The operation filter from the environment, the duration from the file.
	writeFile(t, filepath.Join(dir, "veche.yaml"), "bench:\n  crypto:\n    benchtime: 3x\n")
	t.Setenv("VECHE_BENCH_CRYPTO_OPS", "^group/element-(en|de)code$")
	out, stderr, code := veche(t, "bench", "crypto", "--cpu", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2:\n%s", len(lines), out)
	}
	for _, line := range lines {
		var r struct {
			Operation  string  `json:"operation"`
			N          int     `json:"n"`
			NsPerOp    float64 `json:"ns_per_op"`
			OpsPerS    float64 `json:"ops_per_s"`
			Cores      int     `json:"cores"`
			Iterations int     `json:"iterations"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("not JSON: %s", line)
		}
		if !strings.HasPrefix(r.Operation, "group/element-") || r.N != 1 || r.Cores != 1 || r.Iterations != 3 || r.NsPerOp <= 0 {
			t.Errorf("unexpected result %s", line)
		}
	}

	_, stderr, code = veche(t, "bench", "crypto", "--ops", "no-such-op")
	if code != 1 || !strings.Contains(stderr, "no operation matches") {
		t.Errorf("unknown operation: exit %d, stderr %q", code, stderr)
	}
}

func TestUnknownCommand(t *testing.T) {
	isolate(t)
	_, stderr, code := veche(t, "frobnicate")
	if code != 1 || !strings.Contains(stderr, `unknown command "frobnicate"`) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestHelpIsUseful checks that every command explains itself: a short line
// for the command list and a help page that runs without configuration.
func TestHelpIsUseful(t *testing.T) {
	isolate(t)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			return
		}
		path := strings.Fields(c.CommandPath())[1:]
		if c.Short == "" {
			t.Errorf("%q has no short description", c.CommandPath())
		}
		if c.Runnable() && c.Long == "" && c.HasParent() {
			t.Errorf("%q has no long description", c.CommandPath())
		}
		out, stderr, code := veche(t, append(path, "--help")...)
		if code != 0 || !strings.Contains(out, "Usage:") || stderr != "" {
			t.Errorf("%q --help: exit %d, stderr %q", c.CommandPath(), code, stderr)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot(&bytes.Buffer{}, &bytes.Buffer{}))

	out, _, _ := veche(t, "--help")
	for _, want := range []string{"verifiable", "demo", "bench", "version", "config", "VECHE_", "--data", "--log-level", "--config"} {
		if !strings.Contains(out, want) {
			t.Errorf("veche --help lacks %q", want)
		}
	}
	out, _, _ = veche(t, "bench", "crypto", "--help")
	for _, want := range []string{"ns_per_op", "--ops", "--benchtime", "--cpu"} {
		if !strings.Contains(out, want) {
			t.Errorf("veche bench crypto --help lacks %q", want)
		}
	}
}
