{{if .PG}}
DROP FUNCTION estatedesk_analyze(text[]);
{{end}}
