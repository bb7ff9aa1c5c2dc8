package app

import (
	"os/exec"
	"strings"
	"testing"
)

// The import graph keeps the layout honest: only the two faces — server
// (staff) and portal (residents) — speak Fiber, neither imports the other
// (only the composition root joins them), only
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
			case strings.HasPrefix(imp, "github.com/gofiber/") && pkg != "internal/server" && pkg != "internal/portal":
				t.Errorf("%s imports %s: only internal/server and internal/portal may use Fiber", pkg, imp)
			case strings.HasPrefix(imp, "github.com/casbin/") && pkg != "internal/rbac":
				t.Errorf("%s imports %s: only internal/rbac may use casbin", pkg, imp)
			case strings.HasPrefix(imp, "github.com/stripe/") && pkg != "internal/subscription":
				t.Errorf("%s imports %s: only internal/subscription may use stripe-go", pkg, imp)
			case strings.HasPrefix(imp, "github.com/boombuler/barcode") && pkg != "internal/portal":
				t.Errorf("%s imports %s: only internal/portal draws QR codes", pkg, imp)
			case strings.HasPrefix(imp, "codeberg.org/go-pdf/") && pkg != "internal/pdf":
				t.Errorf("%s imports %s: only internal/pdf may use fpdf", pkg, imp)
			case strings.HasPrefix(imp, "github.com/riverqueue/river/riverdriver") && pkg != "internal/job" && pkg != "internal/database":
				t.Errorf("%s imports %s: only internal/job (client) and internal/database (migrations) use River drivers", pkg, imp)
			case imp == mod+"internal/server" && pkg != "internal/app":
				t.Errorf("%s imports the server package", pkg)
			// The sessions: the portal cannot read a staff session (account
			// holds them), the staff face cannot read a resident's.
			case imp == mod+"internal/account" && pkg == "internal/portal":
				t.Errorf("internal/portal imports internal/account: a resident session is never a staff session")
			case imp == mod+"internal/resident" && pkg == "internal/server":
				t.Errorf("internal/server imports internal/resident: a staff session is never a resident session")
			case imp == mod+"internal/portal" && pkg != "internal/app":
				t.Errorf("%s imports the portal package: only internal/app joins the two faces", pkg)
			case imp == mod+"internal/demo" && pkg != "internal/app":
				t.Errorf("%s imports the demo package: only internal/app may", pkg)
			case imp == mod+"internal/app" && pkg != "cmd/estatedesk":
				t.Errorf("%s imports the composition root", pkg)
			}
		}
	}
}
