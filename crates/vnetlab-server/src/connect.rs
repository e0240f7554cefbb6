//! What a user pastes to point the real `az` CLI and the Python SDK at a running
//! `vnetlab serve` — the recipe of real-clients.md §3, filled in with this server's address,
//! certificate, tenant and subscription.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The service principal the printed `az login` uses. Any id and secret are accepted.
pub const LOGIN_CLIENT_ID: &str = "11111111-1111-1111-1111-111111111111";

/// What the lines are made of.
#[derive(Debug, Clone)]
pub struct Connection {
    /// `https://127.0.0.1:18443`.
    pub endpoint: String,
    pub cert: PathBuf,
    pub tenant_id: String,
    pub subscription_id: String,
    /// az's own config directory for this lab (kept apart from the user's real one).
    pub az_config_dir: PathBuf,
    /// The installed az version, to pre-seed az's update check (None: not found).
    pub az_version: Option<String>,
}

fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-:=+@,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The cloud's name in az: one per port, so re-running the lines after a restart on another
/// port registers a new cloud instead of failing on an existing name.
pub fn cloud_name(endpoint: &str) -> String {
    let port = endpoint.rsplit(':').next().unwrap_or("");
    if port.chars().all(|c| c.is_ascii_digit()) && !port.is_empty() {
        format!("vnetlab-{port}")
    } else {
        "vnetlab".to_string()
    }
}

/// Shell lines (bash/zsh) to paste or `eval`: the environment, then cloud registration and a
/// service-principal login. Everything that is not a command is a `#` comment.
pub fn shell_lines(c: &Connection) -> String {
    let e = &c.endpoint;
    let cloud = cloud_name(e);
    let mut s = String::new();
    s.push_str(&format!(
        "# The real az CLI against vnetlab serve at {e}.\n"
    ));
    s.push_str("# az keeps logins and clouds in AZURE_CONFIG_DIR; this one leaves your own ~/.azure alone.\n");
    s.push_str(&format!(
        "export AZURE_CONFIG_DIR={}\n",
        sh_quote(&c.az_config_dir.display().to_string())
    ));
    s.push_str("export AZURE_CORE_COLLECT_TELEMETRY=false AZURE_CORE_SURVEY_MESSAGE=false\n");
    s.push_str(
        "# Without this, MSAL asks login.microsoftonline.com about the unknown authority first.\n",
    );
    s.push_str("export AZURE_CORE_INSTANCE_DISCOVERY=false\n");
    s.push_str("# Trust the server's self-signed certificate (az, MSAL and the SDK read this; not SSL_CERT_FILE).\n");
    s.push_str(&format!(
        "export REQUESTS_CA_BUNDLE={}\n",
        sh_quote(&c.cert.display().to_string())
    ));
    s.push_str("# `vnetlab az` then talks to the same server over HTTPS.\n");
    s.push_str(&format!("export VNETLAB_ENDPOINT={}\n", sh_quote(e)));
    s.push_str("mkdir -p \"$AZURE_CONFIG_DIR\"\n");
    match &c.az_version {
        Some(v) => {
            s.push_str("# az checks for a newer release on its first command in a new config dir (a call to the\n# internet); recording the installed version skips that.\n");
            s.push_str(&format!(
                "printf '{{\"versions\": {{\"azure-cli\": {{\"local\": \"{v}\"}}, \"core\": {{\"local\": \"{v}\"}}, \"telemetry\": {{\"local\": \"1.1.0\"}}}}, \"update_time\": \"%s\"}}' \"$(date '+%Y-%m-%d %H:%M:%S.000000')\" > \"$AZURE_CONFIG_DIR/versionCheck.json\"\n"
            ));
        }
        None => s.push_str("# (az was not found on PATH: its first command in this config dir will try to check for a\n# newer release online, which fails harmlessly offline.)\n"),
    }
    s.push_str(&format!(
        "az cloud show -n {cloud} -o none 2>/dev/null || az cloud register -n {cloud} --endpoint-resource-manager {}/ --endpoint-active-directory {} --endpoint-active-directory-resource-id https://management.core.windows.net/ --skip-endpoint-discovery\n",
        sh_quote(e),
        sh_quote(e)
    ));
    s.push_str(&format!("az cloud set -n {cloud} --only-show-errors\n"));
    s.push_str("# Any client id and secret are accepted; the tenant must be the server's.\n");
    s.push_str(&format!(
        "az login --service-principal -u {LOGIN_CLIENT_ID} -p vnetlab --tenant {} -o none\n",
        c.tenant_id
    ));
    s
}

/// A Python SDK snippet (azure-mgmt-network + azure-mgmt-resource).
pub fn sdk_snippet(c: &Connection) -> String {
    format!(
        r#"# The Python SDK against vnetlab serve at {e}
# (pip install azure-mgmt-network azure-mgmt-resource; tested with 33.1.0 / 26.0.0).
import time
from azure.core.credentials import AccessToken
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

ENDPOINT = "{e}"
CERT = "{cert}"  # the server's certificate (or set REQUESTS_CA_BUNDLE)
SUBSCRIPTION = "{sub}"
TENANT = "{tenant}"


class VnetlabCredential:
    """vnetlab serve accepts any bearer token that has not expired."""

    def get_token(self, *scopes, **kwargs):
        return AccessToken("vnetlab", int(time.time()) + 3600)


# A real credential works too (never DefaultAzureCredential: it asks login.microsoftonline.com):
#   from azure.identity import ClientSecretCredential
#   cred = ClientSecretCredential(TENANT, "{client}", "vnetlab", authority=ENDPOINT,
#                                 disable_instance_discovery=True)  # with REQUESTS_CA_BUNDLE=CERT
cred = VnetlabCredential()
resources = ResourceManagementClient(cred, SUBSCRIPTION, base_url=ENDPOINT, connection_verify=CERT)
network = NetworkManagementClient(cred, SUBSCRIPTION, base_url=ENDPOINT, connection_verify=CERT,
                                  polling_interval=1)

resources.resource_groups.create_or_update("sdk-rg", {{"location": "eastus"}})
vnet = network.virtual_networks.begin_create_or_update("sdk-rg", "sdk-vnet", {{
    "location": "eastus",
    "properties": {{"addressSpace": {{"addressPrefixes": ["10.42.0.0/16"]}}}},
}}).result()
state = vnet.provisioning_state
print(vnet.id, getattr(state, "value", state))  # … Succeeded
"#,
        e = c.endpoint,
        cert = c.cert.display(),
        sub = c.subscription_id,
        tenant = c.tenant_id,
        client = LOGIN_CLIENT_ID,
    )
}

/// The version of the `az` on PATH, read from its own Python (`az version` would itself
/// check online for updates). Only pip- and package-installed az are recognised: the `az`
/// script names its Python on the first line (pip) or in an `…/python3 -Im azure.cli` line.
pub fn detect_az_version() -> Option<String> {
    let az = find_on_path("az")?;
    let script = std::fs::read_to_string(&az).ok()?;
    let python = script
        .lines()
        .take(30)
        .flat_map(|l| l.trim_start_matches("#!").split_whitespace())
        .find(|tok| {
            let name = tok.rsplit('/').next().unwrap_or("");
            tok.starts_with('/') && name.starts_with("python") && Path::new(tok).is_file()
        })?
        .to_string();
    let out = Command::new(python)
        .args(["-c", "import azure.cli.core as c; print(c.__version__)"])
        .env("PYTHONNOUSERSITE", "1")
        .output()
        .ok()?;
    let v = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'))
        .then_some(v)
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        Connection {
            endpoint: "https://127.0.0.1:18443".into(),
            cert: "/home/me/.vnetlab/tls/cert.pem".into(),
            tenant_id: "tid".into(),
            subscription_id: "sid".into(),
            az_config_dir: "/home/me/.vnetlab/azure cli".into(),
            az_version: Some("2.91.0".into()),
        }
    }

    #[test]
    fn shell_lines_follow_the_recipe() {
        let s = shell_lines(&conn());
        for needle in [
            "export AZURE_CONFIG_DIR='/home/me/.vnetlab/azure cli'\n",
            "AZURE_CORE_INSTANCE_DISCOVERY=false",
            "export REQUESTS_CA_BUNDLE=/home/me/.vnetlab/tls/cert.pem\n",
            "az cloud register -n vnetlab-18443 --endpoint-resource-manager https://127.0.0.1:18443/ --endpoint-active-directory https://127.0.0.1:18443 ",
            "--skip-endpoint-discovery",
            "az cloud set -n vnetlab-18443 --only-show-errors\n",
            "--tenant tid -o none\n",
            r#"{"azure-cli": {"local": "2.91.0"}"#,
        ] {
            assert!(s.contains(needle), "missing {needle:?} in:\n{s}");
        }
        for line in s.lines() {
            assert!(!line.is_empty(), "no blank lines (eval-safe)");
        }
        assert!(sdk_snippet(&conn()).contains("SUBSCRIPTION = \"sid\""));
        assert_eq!(cloud_name("https://localhost"), "vnetlab");
    }
}
