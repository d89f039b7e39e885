package ocitest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"testing"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content/oci"
)

// Media types gooci v0.0.6 writes for its child images (the layer stays OCI).
const (
	MediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	MediaTypeDockerConfig   = "application/vnd.docker.container.image.v1+json"
)

// AnnotationProtocolVersion is the index annotation a plugin's protocol version travels in.
const AnnotationProtocolVersion = "org.ccf.plugin.protocol.version"

// File is one tar member, written exactly as given (no directory entries are added).
type File struct {
	Name     string
	Body     []byte
	Mode     int64 // 0 means 0600, as in gooci's archives
	Type     byte  // 0 means a regular file
	Linkname string
}

// PluginFiles is a plugin archive as GoReleaser builds it and gooci uploads it: the
// executable "plugin" at the root, beside README and LICENSE, absolute names, mode 0600.
func PluginFiles(exe []byte) []File {
	return []File{
		{Name: "/plugin", Body: exe},
		{Name: "/README.md", Body: []byte("# test plugin\n")},
		{Name: "/LICENSE", Body: []byte("test licence\n")},
	}
}

// PolicyFiles is a bundle as `opa build -b policies` writes it: /.manifest, /data.json and
// /policies/<name> for each entry of rego.
func PolicyFiles(rego map[string]string) []File {
	files := []File{
		{Name: "/.manifest", Body: []byte(`{"revision":"","roots":[""],"rego_version":1}`)},
		{Name: "/data.json", Body: []byte(`{}`)},
	}
	for _, name := range sortedKeys(rego) {
		files = append(files, File{Name: "/policies/" + name, Body: []byte(rego[name])})
	}
	return files
}

// TarGz builds a tar+gzip layer from files.
func TarGz(t testing.TB, files []File) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		h := &tar.Header{Name: f.Name, Mode: f.Mode, Typeflag: f.Type, Linkname: f.Linkname, Format: tar.FormatPAX}
		if h.Mode == 0 {
			h.Mode = 0o600
		}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(f.Body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("tar header %q: %v", f.Name, err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(f.Body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Child is one image of an artifact.
type Child struct {
	Platform *ocispec.Platform // nil: no platform on the index descriptor (policy bundles)
	Docker   bool              // gooci v0.0.6: Docker schema 2 manifest and config; else OCI (v0.0.7)
	Layers   [][]byte          // tar+gzip layers, in order
	// LayerMediaType overrides the layers' media type (default OCI tar+gzip, as gooci writes).
	LayerMediaType string
}

// Artifact is what gooci uploads under one tag.
type Artifact struct {
	Children    []Child
	Annotations map[string]string // the index's annotations
	NoIndex     bool              // push the first child's manifest alone under the tag
}

// Plugin is a plugin release as gooci uploads it: one child per platform, each with the same
// layer, and the index annotations gooci writes (plus the protocol version when not 0).
func Plugin(t testing.TB, version string, protocol int, docker bool, exe []byte, platforms ...ocispec.Platform) Artifact {
	t.Helper()
	a := Artifact{Annotations: indexAnnotations(version, "plugin-test", "A test plugin")}
	if protocol != 0 {
		a.Annotations[AnnotationProtocolVersion] = itoa(protocol)
	}
	layer := TarGz(t, PluginFiles(exe))
	for i := range platforms {
		a.Children = append(a.Children, Child{Platform: &platforms[i], Docker: docker, Layers: [][]byte{layer}})
	}
	return a
}

// Policy is a policy bundle as `gooci upload-single bundle.tar.gz` uploads it: one child
// without a platform, title "bundle.tar.gz" and no description.
func Policy(t testing.TB, version string, rego map[string]string) Artifact {
	t.Helper()
	ann := indexAnnotations(version, "bundle.tar.gz", "")
	return Artifact{Annotations: ann, Children: []Child{{Layers: [][]byte{TarGz(t, PolicyFiles(rego))}}}}
}

func indexAnnotations(version, title, description string) map[string]string {
	ann := map[string]string{
		ocispec.AnnotationCreated: "2026-11-01T00:00:00Z",
		ocispec.AnnotationTitle:   title,
		ocispec.AnnotationRefName: version,
		ocispec.AnnotationVersion: version,
	}
	if description != "" {
		ann[ocispec.AnnotationDescription] = description
	}
	return ann
}

// Pushed is what Push wrote.
type Pushed struct {
	Index    ocispec.Descriptor   // the index (or the lone manifest with NoIndex)
	Children []ocispec.Descriptor // the child manifests, as the index lists them
	Layers   [][]ocispec.Descriptor
}

// Push writes a to target (a registry repository, or an OCI layout store) and tags it.
func Push(t testing.TB, target oras.Target, tag string, a Artifact) Pushed {
	t.Helper()
	ctx := context.Background()
	var p Pushed
	for _, c := range a.Children {
		layerType := c.LayerMediaType
		if layerType == "" {
			layerType = ocispec.MediaTypeImageLayerGzip
		}
		var layers []ocispec.Descriptor
		var diffIDs []digest.Digest
		for _, l := range c.Layers {
			d := pushBlob(t, ctx, target, layerType, l)
			d.Annotations = map[string]string{ocispec.AnnotationRefName: "plugin_" + platformName(c.Platform) + ".tar.gz"}
			layers = append(layers, d)
			diffIDs = append(diffIDs, uncompressedDigest(t, l))
		}
		// gooci v0.0.6's config leaves os and architecture empty: the platform lives only on
		// the index descriptor.
		cfg, _ := json.Marshal(map[string]any{
			"architecture": "", "os": "", "config": map[string]any{},
			"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs},
		})
		manifestType, configType := ocispec.MediaTypeImageManifest, ocispec.MediaTypeImageConfig
		if c.Docker {
			manifestType, configType = MediaTypeDockerManifest, MediaTypeDockerConfig
		}
		cfgDesc := pushBlob(t, ctx, target, configType, cfg)
		m, _ := json.Marshal(struct {
			specs.Versioned
			MediaType string               `json:"mediaType"`
			Config    ocispec.Descriptor   `json:"config"`
			Layers    []ocispec.Descriptor `json:"layers"`
		}{specs.Versioned{SchemaVersion: 2}, manifestType, cfgDesc, layers})
		md := pushBlob(t, ctx, target, manifestType, m)
		md.Platform = c.Platform
		p.Children = append(p.Children, md)
		p.Layers = append(p.Layers, layers)
	}
	if a.NoIndex {
		p.Index = p.Children[0]
		p.Index.Platform = nil
	} else {
		idx, _ := json.Marshal(ocispec.Index{
			Versioned:   specs.Versioned{SchemaVersion: 2},
			MediaType:   ocispec.MediaTypeImageIndex,
			Manifests:   p.Children,
			Annotations: a.Annotations,
		})
		p.Index = pushBlob(t, ctx, target, ocispec.MediaTypeImageIndex, idx)
	}
	if err := target.Tag(ctx, p.Index, tag); err != nil {
		t.Fatalf("tag %s: %v", tag, err)
	}
	return p
}

// Layout opens (creating) an OCI image layout directory to Push to, for air-gapped tests.
func Layout(t testing.TB, dir string) *oci.Store {
	t.Helper()
	s, err := oci.New(dir)
	if err != nil {
		t.Fatalf("open OCI layout %s: %v", dir, err)
	}
	return s
}

func pushBlob(t testing.TB, ctx context.Context, target oras.Target, mediaType string, data []byte) ocispec.Descriptor {
	t.Helper()
	d := ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
	exists, err := target.Exists(ctx, d)
	if err != nil {
		t.Fatalf("check blob %s: %v", d.Digest, err)
	}
	if !exists {
		if err := target.Push(ctx, d, bytes.NewReader(data)); err != nil {
			t.Fatalf("push %s %s: %v", mediaType, d.Digest, err)
		}
	}
	return d
}

func uncompressedDigest(t testing.TB, layer []byte) digest.Digest {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(layer))
	if err != nil {
		return digest.FromBytes(layer) // a hostile layer that is not gzip: any diff id will do
	}
	d, err := digest.FromReader(zr)
	if err != nil {
		return digest.FromBytes(layer)
	}
	return d
}

func platformName(p *ocispec.Platform) string {
	if p == nil {
		return "any"
	}
	return p.OS + "_" + p.Architecture
}
