package install

import "testing"

func FuzzDecodeIndex(f *testing.F) {
	f.Add([]byte(`{"versions": {"1.4.0": {}, "1.4.1": {"yanked": "CVE"}}}`))
	f.Add([]byte(`{"versions": {"1.0.0-rc1": {}, "x": {}}}`))
	f.Add([]byte(`{"archives": {"linux_amd64": {"url": "a.zip", "hashes": ["zh:00"]}}, "shasums": {"url": "S", "signatures": [{"type": "minisign", "url": "S.minisig"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if idx, err := DecodeIndex(data); err == nil {
			for _, c := range []string{">= 1.0.0", "~> 1.4", "1.0.0-rc1"} {
				v, err := choose(idx, c)
				if err != nil {
					continue
				}
				if info, ok := idx.Versions[v]; !ok || info.Yanked != "" {
					t.Fatalf("choose(%q) = %q, which the index does not list or yanked", c, v)
				}
			}
		}
		if rel, err := DecodeRelease(data); err == nil {
			for p, a := range rel.Archives {
				if p == "" || a.URL == "" {
					t.Fatalf("accepted an archive without platform or url: %+v", rel)
				}
			}
		}
	})
}
