package assess

import (
	"cmp"
	"slices"
)

// Order returns the names of jobs in configuration order: by file (in the order the loader
// reads them), then position in the file; jobs without a block (from the control plane) come
// last, by name. The configuration keeps jobs sorted by name; the terminal view wants them
// as the user wrote them.
func Order(jobs []Planned) []string {
	sorted := slices.Clone(jobs)
	slices.SortStableFunc(sorted, func(a, b Planned) int {
		ra, rb := a.Job.Range, b.Job.Range
		if (ra.Filename == "") != (rb.Filename == "") {
			if ra.Filename == "" {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(ra.Filename, rb.Filename), cmp.Compare(ra.Start.Byte, rb.Start.Byte), cmp.Compare(a.Job.Name, b.Job.Name))
	})
	names := make([]string, len(sorted))
	for i, p := range sorted {
		names[i] = p.Job.Name
	}
	return names
}
