package manifest_test

import (
	"context"
	"testing"

	"github.com/estatedesk/estatedesk/internal/manifest"
	"github.com/estatedesk/estatedesk/tenants"
)

// BenchmarkApplyDemo applies the demo manifest (2 estates, 11 buildings,
// 988 units, 8 teams, 7 staff invitations) to an empty database, then
// again (nothing to change).
// Run: go test -run x -bench ApplyDemo -benchtime 5x ./internal/manifest/
func BenchmarkApplyDemo(b *testing.B) {
	m, err := manifest.Parse(tenants.Demo)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.Run("first", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			a := newApplier(b)
			b.StartTimer()
			if _, err := a.Apply(ctx, m, manifest.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("again", func(b *testing.B) {
		a := newApplier(b)
		if _, err := a.Apply(ctx, m, manifest.Options{}); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := a.Apply(ctx, m, manifest.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
