package install

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/compliance-framework/argus/internal/config"
)

// maxJSONSize bounds index.json and <version>.json: they list versions and platforms, nothing
// more.
const maxJSONSize = 4 << 20

// Index is index.json: the versions of one provider.
type Index struct {
	Versions map[string]IndexVersion `json:"versions"`
}

// IndexVersion is one version's entry in index.json.
type IndexVersion struct {
	Yanked string `json:"yanked,omitempty"` // reason; non-empty means never chosen
}

// Release is <version>.json: the archives of one version and their signed checksums.
type Release struct {
	Archives map[string]Archive `json:"archives"`
	Shasums  Shasums            `json:"shasums"`
}

// Archive is the archive of one platform.
type Archive struct {
	URL    string   `json:"url"`
	Hashes []string `json:"hashes,omitempty"`
}

// Shasums names the SHA256SUMS file and its signatures.
type Shasums struct {
	URL        string      `json:"url"`
	Signatures []Signature `json:"signatures,omitempty"`
}

// Signature is one detached signature of the SHA256SUMS file.
type Signature struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

func decodeJSON(data []byte, v any) error {
	if len(data) > maxJSONSize {
		return fmt.Errorf("document is larger than %d bytes", maxJSONSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON document")
	}
	return nil
}

// DecodeIndex decodes and checks index.json.
func DecodeIndex(data []byte) (*Index, error) {
	var idx Index
	if err := decodeJSON(data, &idx); err != nil {
		return nil, err
	}
	if idx.Versions == nil {
		return nil, errors.New(`no "versions" object`)
	}
	return &idx, nil
}

var platformRE = regexp.MustCompile(`^[a-z0-9]+_[a-z0-9]+$`)

// DecodeRelease decodes and checks <version>.json.
func DecodeRelease(data []byte) (*Release, error) {
	var r Release
	if err := decodeJSON(data, &r); err != nil {
		return nil, err
	}
	if len(r.Archives) == 0 {
		return nil, errors.New(`no "archives"`)
	}
	for p, a := range r.Archives {
		if !platformRE.MatchString(p) {
			return nil, fmt.Errorf("platform %q is not of the form os_arch", p)
		}
		if a.URL == "" {
			return nil, fmt.Errorf("archive for %s has no url", p)
		}
		if _, err := url.Parse(a.URL); err != nil {
			return nil, fmt.Errorf("archive for %s: %w", p, err)
		}
	}
	if r.Shasums.URL == "" {
		return nil, errors.New(`no "shasums" url`)
	}
	return &r, nil
}

// Address is a registry source address, host/namespace/name.
type Address struct {
	Host, Namespace, Name string
}

func (a Address) String() string { return a.Host + "/" + a.Namespace + "/" + a.Name }

var addrPartRE = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9._-]*[a-zA-Z0-9])?$`)
var hostRE = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?(:[0-9]+)?$`)

// ParseAddress parses a source address.
func ParseAddress(s string) (Address, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return Address{}, fmt.Errorf("source %q is not of the form host/namespace/name (or a local path starting with ./, ../ or /)", s)
	}
	a := Address{Host: strings.ToLower(parts[0]), Namespace: parts[1], Name: parts[2]}
	if !hostRE.MatchString(a.Host) || strings.Contains(a.Host, "..") {
		return Address{}, fmt.Errorf("source %q: %q is not a host name", s, parts[0])
	}
	for _, p := range parts[1:] {
		if !addrPartRE.MatchString(p) || strings.Contains(p, "..") {
			return Address{}, fmt.Errorf("source %q: %q may hold only letters, digits, '.', '_' and '-'", s, p)
		}
	}
	return a, nil
}

// registryFor returns the registry block for host, or nil.
func registryFor(cfg *config.Config, host string) *config.Registry {
	for i := range cfg.Registries {
		if strings.EqualFold(cfg.Registries[i].Host, host) {
			return &cfg.Registries[i]
		}
	}
	return nil
}

// indexBase is the base URL of the index for host: the registry block's url, else the
// well-known location on the host itself. A registry url may be a local directory.
func indexBase(cfg *config.Config, host string) (*url.URL, error) {
	raw := "https://" + host + "/.well-known/argus/providers/"
	if r := registryFor(cfg, host); r != nil && r.URL != "" {
		raw = r.URL
	}
	var u *url.URL
	if filepath.IsAbs(raw) {
		u = &url.URL{Scheme: "file", Path: filepath.ToSlash(raw)}
	} else {
		var err error
		if u, err = url.Parse(raw); err != nil {
			return nil, fmt.Errorf("registry url %q for %s: %w", raw, host, err)
		}
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// providerURL is <base>/<host>/<ns>/<name>/<file>.
func providerURL(base *url.URL, a Address, file string) *url.URL {
	return base.ResolveReference(&url.URL{Path: path.Join(a.Host, a.Namespace, a.Name, file)})
}
