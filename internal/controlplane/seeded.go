package controlplane

import (
	"hash/crc64"
	"math/rand"
	"slices"
	"strings"

	"github.com/google/uuid"
)

var isoTable = crc64.MakeTable(crc64.ISO)

// SeededUUID is the stream UUID of a set of labels, computed exactly as the Compliance
// Framework API's own SeededUUID (sdk/uuid.go, v0.16.0) so that argus continues streams the
// way the API's other agents do: the "k=v" pairs, sorted, joined by "-", CRC-64/ISO, used as the
// seed of a math/rand source that uuid.NewRandomFromReader reads.
//
// The legacy math/rand generator is part of the contract here: its sequence for a given seed is
// frozen by the Go 1 compatibility promise, which is what makes the UUID stable.
func SeededUUID(labels map[string]string) uuid.UUID {
	pairs := make([]string, 0, len(labels))
	for k, v := range labels {
		pairs = append(pairs, k+"="+v)
	}
	slices.Sort(pairs)
	sum := crc64.Checksum([]byte(strings.Join(pairs, "-")), isoTable)
	//nolint:gosec // Determinism is the point: this is an identifier, not a secret.
	src := rand.New(rand.NewSource(int64(sum)))
	id, err := uuid.NewRandomFromReader(src)
	if err != nil {
		// *rand.Rand's Read never fails; a failure here is a broken invariant, not an input error.
		panic("controlplane: seeded uuid: " + err.Error())
	}
	return id
}
