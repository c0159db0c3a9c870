package castbench

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/voting"
)

// ReadCredentials reads a benchmark credentials file: one private
// credential per line, "STYLE HEX" (the ballot style, a space, and the
// 64 hexadecimal digits of the 32-byte schnorr private key); blank lines
// and lines starting with '#' are skipped. Such a file holds voters'
// secrets: it is for load tests of test elections only. Errors name the
// line, never the key.
func ReadCredentials(r io.Reader) ([]*voting.Credential, error) {
	var out []*voting.Credential
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		style, key, ok := strings.Cut(line, " ")
		if !ok || style == "" {
			return nil, fmt.Errorf("castbench: credentials line %d: want \"STYLE HEX\"", n)
		}
		raw, err := hex.DecodeString(strings.TrimSpace(key))
		if err != nil {
			return nil, fmt.Errorf("castbench: credentials line %d: the key is not hexadecimal", n)
		}
		sk, err := schnorr.NewPrivateKey(raw)
		if err != nil {
			return nil, fmt.Errorf("castbench: credentials line %d: %w", n, err)
		}
		out = append(out, &voting.Credential{Style: style, Key: sk})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("castbench: reading credentials: %w", err)
	}
	return out, nil
}

// WriteCredentials writes creds in the format [ReadCredentials] reads.
func WriteCredentials(w io.Writer, creds []*voting.Credential) error {
	bw := bufio.NewWriter(w)
	for _, c := range creds {
		if strings.ContainsAny(c.Style, " \n") || c.Style == "" {
			return fmt.Errorf("castbench: ballot style %q cannot be written", c.Style)
		}
		fmt.Fprintf(bw, "%s %x\n", c.Style, c.Key.Bytes())
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("castbench: writing credentials: %w", err)
	}
	return nil
}
