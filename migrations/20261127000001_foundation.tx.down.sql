DROP TABLE login_failures;
--bun:split
DROP TABLE password_resets;
--bun:split
DROP TABLE sessions;
--bun:split
DROP TABLE invitations;
--bun:split
DROP TABLE staff_estates;
--bun:split
DROP TABLE estates;
--bun:split
DROP TABLE membership_roles;
--bun:split
DROP TABLE memberships;
--bun:split
DROP TABLE users;
--bun:split
DROP TABLE tenants;
{{if .PG}}
--bun:split
DROP FUNCTION estatedesk_tenant_visible(uuid);
{{end}}
