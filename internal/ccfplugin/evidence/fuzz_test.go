package evidence

import (
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/compliance-framework/argus/internal/ccfplugin/ccfpb"
)

// FuzzConvert feeds arbitrary protobuf bytes, as a plugin could send them, through validation
// and conversion: nothing may panic, and whatever is accepted must keep the plugin's UUID,
// marshal to JSON, have start <= end <= now, and carry _plugin unless the plugin overrode it.
func FuzzConvert(f *testing.F) {
	for _, ev := range []*ccfpb.Evidence{good(), {}, {UUID: "x"}} {
		b, err := proto.Marshal(ev)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var ev ccfpb.Evidence
		if err := proto.Unmarshal(data, &ev); err != nil {
			return
		}
		out, p := Convert(base, 0, &ev, now)
		if p != nil {
			if p.Error() == "" || p.Field == "" {
				t.Fatalf("problem without a field or message: %+v", p)
			}
			return
		}
		if want, err := uuid.Parse(ev.GetUUID()); err != nil || out.UUID != want {
			t.Fatalf("uuid not the plugin's: %q -> %s", ev.GetUUID(), out.UUID)
		}
		if out.Start.After(out.End) || out.End.After(now) {
			t.Fatalf("times: start %s end %s now %s", out.Start, out.End, now)
		}
		if _, own := ev.GetLabels()[LabelPlugin]; !own && out.Labels[LabelPlugin] != base.Plugin {
			t.Fatalf("_plugin label lost: %v", out.Labels)
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatalf("marshal: %v", err)
		}
		_ = out.Result()
	})
}
