package install

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"

	"aead.dev/minisign"
)

// parseSums reads a SHA256SUMS file ("<hex>  <file name>" per line) into file name → "zh:<hex>".
func parseSums(data []byte) (map[string]string, error) {
	sums := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		sum, name, ok := strings.Cut(line, " ")
		name = strings.TrimPrefix(strings.TrimSpace(name), "*")
		if b, err := hex.DecodeString(sum); !ok || err != nil || len(b) != 32 || name == "" {
			return nil, fmt.Errorf("line %d is not \"<sha256 hex>  <file name>\"", n)
		}
		if _, dup := sums[name]; dup {
			return nil, fmt.Errorf("line %d: %q is listed twice", n, name)
		}
		sums[name] = "zh:" + strings.ToLower(sum)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return sums, nil
}

// parseKeys decodes the trusted keys, reporting the first that is not a minisign public key.
func parseKeys(keys []string, where string) ([]minisign.PublicKey, error) {
	var out []minisign.PublicKey
	for _, k := range keys {
		var pk minisign.PublicKey
		if err := pk.UnmarshalText([]byte(strings.TrimSpace(k))); err != nil {
			return nil, fmt.Errorf("signing key %q in %s is not a minisign public key: %w", k, where, err)
		}
		out = append(out, pk)
	}
	return out, nil
}

func signerOf(pk minisign.PublicKey) string { return fmt.Sprintf("minisign:%016X", pk.ID()) }

// verifySignature checks sig over msg against the trusted keys and returns the signer.
func verifySignature(msg, sig []byte, keys []minisign.PublicKey) (string, error) {
	var s minisign.Signature
	if err := s.UnmarshalText(sig); err != nil {
		return "", fmt.Errorf("signature is not a minisign signature: %w", err)
	}
	for _, pk := range keys {
		if pk.ID() == s.KeyID && minisign.Verify(pk, msg, sig) {
			return signerOf(pk), nil
		}
	}
	for _, pk := range keys {
		if pk.ID() == s.KeyID {
			return "", fmt.Errorf("signature by trusted key %016X does not verify: SHA256SUMS was altered", s.KeyID)
		}
	}
	trusted := make([]string, len(keys))
	for i, pk := range keys {
		trusted[i] = fmt.Sprintf("%016X", pk.ID())
	}
	return "", fmt.Errorf("signed by unknown key %016X (trusted: %s)", s.KeyID, strings.Join(trusted, ", "))
}
