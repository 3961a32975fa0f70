// Package layout is where the Debian package puts boundaryd's files, so
// that the packager (tools/mkdeb) and the commands that write or read them
// (init, test-alert) name each place once.
package layout

const (
	// Binary is the installed program.
	Binary = "/usr/bin/boundaryd"
	// Unit is the systemd unit.
	Unit = "/usr/lib/systemd/system/boundaryd.service"
	// ConfigDir holds the configuration and the secrets file.
	ConfigDir = "/etc/boundaryd"
	// Config is the configuration the unit runs with.
	Config = ConfigDir + "/config.yaml"
	// SecretsName is the secrets file's name, beside the configuration:
	// systemd reads it (EnvironmentFile=) before starting the service.
	SecretsName = "secrets.env"
	// Secrets is the package's secrets file.
	Secrets = ConfigDir + "/" + SecretsName
	// DocDir holds the README and the commented example configuration.
	DocDir = "/usr/share/doc/boundaryd"
)
