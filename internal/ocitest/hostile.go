package ocitest

import (
	"archive/tar"
	"math/rand/v2"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Hostile names a way a plugin artifact can try to break its host.
type Hostile int

const (
	// Traversal adds a member "../x" that climbs out of the extraction directory.
	Traversal Hostile = iota + 1
	// AbsoluteTraversal adds "/../../x": a leading "/" (normal here) followed by "..".
	AbsoluteTraversal
	// Symlink adds a symbolic link member "/lib" -> "/etc".
	Symlink
	// SymlinkPlugin makes "/plugin" itself a symbolic link to /bin/sh.
	SymlinkPlugin
	// Hardlink adds a hard link member "/passwd" -> "/etc/passwd".
	Hardlink
	// Device adds a character device member "/null".
	Device
	// Oversized adds 3 MiB of incompressible data, so the layer is over 3 MiB: refuse it with
	// a layer limit below that.
	Oversized
	// Bomb adds 64 MiB of zeros, which compress to a small layer: refuse it with an
	// extraction limit below that.
	Bomb
)

// HostilePlugin is a plugin artifact for platform p with one hostile layer. The other two
// hostile cases need no special artifact: Registry.CorruptBlob (or CorruptLayoutBlob) alters a
// pushed layer so it no longer matches its digest, and pushing another artifact under the same
// tag moves it.
func HostilePlugin(t testing.TB, h Hostile, exe []byte, p ocispec.Platform) Artifact {
	t.Helper()
	files := PluginFiles(exe)
	switch h {
	case Traversal:
		files = append(files, File{Name: "../x", Body: []byte("escaped")})
	case AbsoluteTraversal:
		files = append(files, File{Name: "/../../x", Body: []byte("escaped")})
	case Symlink:
		files = append(files, File{Name: "/lib", Type: tar.TypeSymlink, Linkname: "/etc"})
	case SymlinkPlugin:
		files = []File{{Name: "/plugin", Type: tar.TypeSymlink, Linkname: "/bin/sh"}}
	case Hardlink:
		files = append(files, File{Name: "/passwd", Type: tar.TypeLink, Linkname: "/etc/passwd"})
	case Device:
		files = append(files, File{Name: "/null", Type: tar.TypeChar})
	case Oversized:
		big := make([]byte, 3<<20)
		_, _ = rand.NewChaCha8([32]byte{1}).Read(big) // deterministic and incompressible
		files = append(files, File{Name: "/big", Body: big})
	case Bomb:
		files = append(files, File{Name: "/zeros", Body: make([]byte, 64<<20)})
	default:
		t.Fatalf("unknown hostile case %d", h)
	}
	a := Artifact{Annotations: indexAnnotations("v1", "plugin-hostile", "")}
	a.Children = []Child{{Platform: &p, Layers: [][]byte{TarGz(t, files)}}}
	return a
}
