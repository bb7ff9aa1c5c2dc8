package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// The command line imports a GBK file: dry run, apply with a progress bar,
// the same again (nothing changes), and a file with problems, which fails
// the command and prints them by row and column.
func TestEstatesImport(t *testing.T) {
	db := dbArgs(t)
	dir := t.TempDir()
	manifest := filepath.Join(dir, "acme.yaml")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(manifest, []byte(manifestV1), 0o600))
	if _, err := runCmd(t, append([]string{"tenants", "apply", manifest}, db...)...); err != nil {
		t.Fatal(err)
	}
	good := "楼栋,单元,楼层,房号,类型,面积,状态,业主姓名,业主电话,关系\r\n" +
		"1,1,15,1501,住宅,89.5,已入住,张伟,13800138000,业主\r\n" +
		"1,1,15,1501,住宅,89.5,已入住,李娜,13900139000,家属\r\n" +
		"2,,1,101,商铺,45,空置,,,\r\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(good))
	must(err)
	file := filepath.Join(dir, "units.csv")
	must(os.WriteFile(file, gbk, 0o600))
	run := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := Run(context.Background(), append(append([]string{"estates", "import"}, args...), db...),
			IO{In: strings.NewReader(""), Out: &out, Err: &errOut})
		return out.String(), errOut.String(), err
	}

	out, _, err := run(file, "--tenant", "acme", "--estate", "东区", "--dry-run")
	if err != nil || !strings.Contains(out, "新建房屋\t2") || !strings.Contains(out, "试运行") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	out, stderr, err := run(file, "--tenant", "acme", "--estate", "东区")
	if err != nil || !strings.Contains(out, "新建房屋\t2") || !strings.Contains(out, "新建业主/住户\t2") || !strings.Contains(out, "导入完成") {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if !strings.Contains(stderr, "导入中") || !strings.Contains(stderr, "3/3") {
		t.Errorf("no progress bar on stderr: %q", stderr)
	}
	out, _, err = run(file, "--tenant", "acme", "--estate", "东区", "--lang", "en")
	if err != nil || !strings.Contains(out, "Unchanged units\t2") || !strings.Contains(out, "New units\t0") {
		t.Fatalf("again: %v\n%s", err, out)
	}

	bad := filepath.Join(dir, "bad.csv")
	must(os.WriteFile(bad, []byte("building,floor,number,area,owner_name,owner_phone\n9,1,101,12.345,,\n9,1,102,50,Wang,12345\n"), 0o600))
	out, _, err = run(bad, "--tenant", "acme", "--estate", "东区", "--existing-buildings", "--lang", "en")
	if err == nil || !strings.Contains(err.Error(), "problems found") {
		t.Fatalf("a bad file passed: %v", err)
	}
	for _, want := range []string{`row 2, building: The building "9" does not exist`, `row 2, area: The area "12.345" is invalid`, `row 3, owner_phone: The phone "12345" is invalid`} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if _, _, err := run(file, "--tenant", "acme", "--estate", "西区"); err == nil {
		t.Error("an unknown estate was accepted")
	}
	if _, _, err := run(file, "--tenant", "nobody", "--estate", "东区"); err == nil {
		t.Error("an unknown tenant was accepted")
	}
	if _, _, err := run("--tenant", "acme"); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("no file: %v", err)
	}
}
