package app

import (
	"os/exec"
	"strings"
	"testing"
)

// The import graph keeps the layout honest: only server speaks Fiber, only
// rbac speaks casbin, only pdf speaks fpdf, domain packages never reach up into the server, and
// the demo's generators are the composition root's alone (no domain package depends on made-up data).
func TestImportBoundaries(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "github.com/estatedesk/estatedesk/...").Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	const mod = "github.com/estatedesk/estatedesk/"
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, imports := strings.TrimPrefix(fields[0], mod), fields[1:]
		for _, imp := range imports {
			switch {
			case strings.HasPrefix(imp, "github.com/gofiber/") && pkg != "internal/server":
				t.Errorf("%s imports %s: only internal/server may use Fiber", pkg, imp)
			case strings.HasPrefix(imp, "github.com/casbin/") && pkg != "internal/rbac":
				t.Errorf("%s imports %s: only internal/rbac may use casbin", pkg, imp)
			case strings.HasPrefix(imp, "github.com/stripe/") && pkg != "internal/subscription":
				t.Errorf("%s imports %s: only internal/subscription may use stripe-go", pkg, imp)
			case strings.HasPrefix(imp, "codeberg.org/go-pdf/") && pkg != "internal/pdf":
				t.Errorf("%s imports %s: only internal/pdf may use fpdf", pkg, imp)
			case strings.HasPrefix(imp, "github.com/riverqueue/river/riverdriver") && pkg != "internal/job" && pkg != "internal/database":
				t.Errorf("%s imports %s: only internal/job (client) and internal/database (migrations) use River drivers", pkg, imp)
			case imp == mod+"internal/server" && pkg != "internal/app":
				t.Errorf("%s imports the server package", pkg)
			case imp == mod+"internal/demo" && pkg != "internal/app":
				t.Errorf("%s imports the demo package: only internal/app may", pkg)
			case imp == mod+"internal/app" && pkg != "cmd/estatedesk":
				t.Errorf("%s imports the composition root", pkg)
			}
		}
	}
}
