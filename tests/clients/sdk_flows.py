"""The Python Azure SDK (azure-mgmt-network 33.1.0, azure-mgmt-resource 26.0.0, pinned in
requirements-sdk.txt) against a running `vnetlab serve`, unchanged: every resource type,
the peering lifecycle, errors (code and status), etags, paging, long-running operations,
and the Entra credentials.

Run by run.sh inside a network namespace with only loopback:
    python sdk_flows.py --endpoint https://127.0.0.1:PORT --cert cert.pem --lro sync|async --page-size N
Prints one line per flow and `N passed, M failed`; exits 1 on any failure.
"""

import argparse
import os
import sys
import time
import traceback

from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.resources.models import GenericResource

ARGS = None
SUB = "00000000-0000-0000-0000-000000000001"
TENANT = "00000000-0000-0000-0000-0000000000aa"
LOG = []  # (method, url, status, headers) of every response, polls included


class FakeCred:
    """real-clients.md §2.1: the server accepts any bearer token."""

    def get_token(self, *scopes, **kw):
        return AccessToken("fake-token", int(time.time()) + 3600)


def hook(response):
    r = response.http_response
    LOG.append((response.http_request.method, response.http_request.url, r.status_code, dict(r.headers)))


def clients(cred=None):
    cred = cred or FakeCred()
    common = dict(base_url=ARGS.endpoint, connection_verify=ARGS.cert, raw_response_hook=hook)
    return (ResourceManagementClient(cred, SUB, **common),
            NetworkManagementClient(cred, SUB, polling_interval=1, **common))


def net_id(rg, rest):
    return f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/{rest}"


def expect_error(fn, status, code):
    try:
        fn()
    except HttpResponseError as e:
        assert e.status_code == status, f"status {e.status_code} != {status}: {e}"
        assert e.error is not None and e.error.code == code, f"code {e.error and e.error.code} != {code}"
        return e
    raise AssertionError(f"expected {status} {code}, got success")


def vnet_body(prefix, subnets=(), location="eastus"):
    return {"location": location, "properties": {
        "addressSpace": {"addressPrefixes": [prefix]},
        "subnets": [{"name": n, "properties": {"addressPrefix": p}} for n, p in subnets]}}


# ---------------------------------------------------------------------------------------------

def flow_resource_groups():
    rc, _ = clients()
    g = rc.resource_groups.create_or_update("sdk-rg", {"location": "eastus", "tags": {"a": "1"}})
    assert g.id == f"/subscriptions/{SUB}/resourceGroups/sdk-rg" and g.properties.provisioning_state == "Succeeded"
    assert rc.resource_groups.check_existence("sdk-rg") is True
    assert rc.resource_groups.check_existence("sdk-none") is False
    assert rc.resource_groups.get("SDK-RG").tags == {"a": "1"}
    assert "sdk-rg" in [x.name for x in rc.resource_groups.list()]
    expect_error(lambda: rc.resource_groups.get("sdk-none"), 404, "ResourceGroupNotFound")
    rc.resource_groups.create_or_update("sdk-gone", {"location": "westus"})
    rc.resource_groups.begin_delete("sdk-gone").result()
    assert rc.resource_groups.check_existence("sdk-gone") is False


def flow_vnets_and_subnets():
    _, nc = clients()
    v = nc.virtual_networks.begin_create_or_update("sdk-rg", "hub", vnet_body(
        "10.0.0.0/16", [("default", "10.0.0.0/24"), ("GatewaySubnet", "10.0.255.0/27")])).result()
    assert v.provisioning_state == "Succeeded" and [s.name for s in v.subnets] == ["default", "GatewaySubnet"]
    s = nc.subnets.begin_create_or_update("sdk-rg", "hub", "apps", {"properties": {"addressPrefix": "10.0.1.0/24"}}).result()
    assert s.id == net_id("sdk-rg", "virtualNetworks/hub/subnets/apps")
    assert [x.name for x in nc.subnets.list("sdk-rg", "hub")] == ["default", "GatewaySubnet", "apps"]
    expect_error(lambda: nc.subnets.begin_create_or_update("sdk-rg", "hub", "bad", {"properties": {"addressPrefix": "10.0.1.128/25"}}).result(),
                 400, "NetcfgSubnetRangesOverlap")
    # GET-then-PUT with read-only fields (what generic updates send) is accepted.
    got = nc.subnets.get("sdk-rg", "hub", "apps")
    got.address_prefix = "10.0.2.0/24"
    assert nc.subnets.begin_create_or_update("sdk-rg", "hub", "apps", got).result().address_prefix == "10.0.2.0/24"
    nc.subnets.begin_delete("sdk-rg", "hub", "apps").result()
    expect_error(lambda: nc.subnets.get("sdk-rg", "hub", "apps"), 404, "NotFound")
    tagged = nc.virtual_networks.update_tags("sdk-rg", "hub", {"tags": {"env": "lab"}})
    assert tagged.tags == {"env": "lab"}
    assert any(x.name == "hub" for x in nc.virtual_networks.list_all())
    expect_error(lambda: nc.virtual_networks.get("sdk-rg", "nope"), 404, "ResourceNotFound")
    expect_error(lambda: nc.virtual_networks.begin_create_or_update("sdk-rg", "bad", vnet_body("10.0.0.1/16")).result(),
                 400, "InvalidCIDRNotation")


def flow_peering_lifecycle():
    _, nc = clients()
    for name, prefix, loc in [("pa", "10.10.0.0/16", "eastus"), ("pb", "10.20.0.0/16", "westus")]:
        nc.virtual_networks.begin_create_or_update("sdk-rg", name, vnet_body(prefix, location=loc)).result()
    a, b = net_id("sdk-rg", "virtualNetworks/pa"), net_id("sdk-rg", "virtualNetworks/pb")
    link = lambda remote: {"properties": {"remoteVirtualNetwork": {"id": remote}, "allowVirtualNetworkAccess": True}}
    state = lambda v, n: nc.virtual_network_peerings.get("sdk-rg", v, n).peering_state
    p = nc.virtual_network_peerings.begin_create_or_update("sdk-rg", "pa", "a-to-b", link(b)).result()
    assert p.peering_state == "Initiated" and p.remote_address_space.address_prefixes == ["10.20.0.0/16"]
    nc.virtual_network_peerings.begin_create_or_update("sdk-rg", "pb", "b-to-a", link(a)).result()
    assert (state("pa", "a-to-b"), state("pb", "b-to-a")) == ("Connected", "Connected")
    assert [x.peering_state for x in nc.virtual_networks.get("sdk-rg", "pa").virtual_network_peerings] == ["Connected"]
    nc.virtual_network_peerings.begin_delete("sdk-rg", "pb", "b-to-a").result()
    assert state("pa", "a-to-b") == "Disconnected"
    expect_error(lambda: nc.virtual_network_peerings.begin_create_or_update("sdk-rg", "pb", "b-to-a", link(a)).result(),
                 400, "RemotePeeringIsDisconnected")
    nc.virtual_network_peerings.begin_create_or_update("sdk-rg", "pa", "a-to-b", link(b)).result()
    assert state("pa", "a-to-b") == "Initiated"
    nc.virtual_network_peerings.begin_create_or_update("sdk-rg", "pb", "b-to-a", link(a)).result()
    assert state("pa", "a-to-b") == "Connected"
    nc.virtual_networks.begin_delete("sdk-rg", "pb").result()
    assert state("pa", "a-to-b") == "Disconnected"
    # Overlapping address spaces cannot be peered.
    nc.virtual_networks.begin_create_or_update("sdk-rg", "overlap", vnet_body("10.10.5.0/24")).result()
    expect_error(lambda: nc.virtual_network_peerings.begin_create_or_update(
        "sdk-rg", "overlap", "o", link(a)).result(), 400, "VnetAddressSpacesOverlap")
    assert [x.name for x in nc.virtual_network_peerings.list("sdk-rg", "pa")] == ["a-to-b"]


def flow_nsg_asg_route_table():
    _, nc = clients()
    nsg = nc.network_security_groups.begin_create_or_update("sdk-rg", "nsg", {"location": "eastus"}).result()
    assert len(nsg.default_security_rules) == 6
    asg = nc.application_security_groups.begin_create_or_update("sdk-rg", "web", {"location": "eastus"}).result()
    r = nc.security_rules.begin_create_or_update("sdk-rg", "nsg", "allow-web", {"properties": {
        "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
        "sourceAddressPrefix": "*", "sourcePortRange": "*",
        "destinationApplicationSecurityGroups": [{"id": asg.id}], "destinationPortRange": "443"}}).result()
    assert r.priority == 100
    expect_error(lambda: nc.security_rules.begin_create_or_update("sdk-rg", "nsg", "dup", {"properties": {
        "priority": 100, "direction": "Inbound", "access": "Deny", "protocol": "*", "sourceAddressPrefix": "*",
        "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "*"}}).result(),
        400, "SecurityRuleConflict")
    assert [x.name for x in nc.security_rules.list("sdk-rg", "nsg")] == ["allow-web"]
    assert len(list(nc.default_security_rules.list("sdk-rg", "nsg"))) == 6
    assert nc.default_security_rules.get("sdk-rg", "nsg", "DenyAllInBound").access == "Deny"
    rt = nc.route_tables.begin_create_or_update("sdk-rg", "rt", {"location": "eastus"}).result()
    nc.routes.begin_create_or_update("sdk-rg", "rt", "to-fw", {"properties": {
        "addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.0.0.4"}}).result()
    assert [x.next_hop_type for x in nc.routes.list("sdk-rg", "rt")] == ["VirtualAppliance"]
    # Associate both with a subnet; the NSG then cannot be deleted while in use.
    sub = nc.subnets.get("sdk-rg", "hub", "default")
    sub.network_security_group = {"id": nsg.id}
    sub.route_table = {"id": rt.id}
    sub = nc.subnets.begin_create_or_update("sdk-rg", "hub", "default", sub).result()
    assert sub.network_security_group.id == nsg.id
    assert [s.id for s in nc.network_security_groups.get("sdk-rg", "nsg").subnets] == [sub.id]
    expect_error(lambda: nc.network_security_groups.begin_delete("sdk-rg", "nsg").result(), 400, "InUseNetworkSecurityGroupCannotBeDeleted")


def flow_nic_public_ip_watcher():
    _, nc = clients()
    subnet = net_id("sdk-rg", "virtualNetworks/hub/subnets/default")
    pip = nc.public_ip_addresses.begin_create_or_update("sdk-rg", "pip1", {
        "location": "eastus", "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static"}}).result()
    assert pip.ip_address
    nic = nc.network_interfaces.begin_create_or_update("sdk-rg", "nic1", {"location": "eastus", "properties": {
        "ipConfigurations": [{"name": "ipconfig1", "properties": {"subnet": {"id": subnet},
                                                               "publicIPAddress": {"id": pip.id}}}]}}).result()
    ip = nic.ip_configurations[0].private_ip_address
    assert ip == "10.0.0.4", ip
    assert nc.network_interface_ip_configurations.get("sdk-rg", "nic1", "ipconfig1").private_ip_address == ip
    assert [c.name for c in nc.network_interface_ip_configurations.list("sdk-rg", "nic1")] == ["ipconfig1"]
    static = lambda: nc.network_interfaces.begin_create_or_update("sdk-rg", "nic2", {"location": "eastus", "properties": {
        "ipConfigurations": [{"name": "c", "properties": {"subnet": {"id": subnet}, "privateIPAllocationMethod": "Static",
                                                        "privateIPAddress": "10.0.0.4"}}]}}).result()
    expect_error(static, 400, "PrivateIPAddressIsAllocated")
    assert [c.id for c in nc.subnets.get("sdk-rg", "hub", "default").ip_configurations] == [nic.ip_configurations[0].id]
    # The first VNet in a region enabled Network Watcher there (NetworkWatcherRG), as Azure does;
    # a second watcher in the region is refused.
    w = nc.network_watchers.get("NetworkWatcherRG", "NetworkWatcher_eastus")
    assert w.provisioning_state == "Succeeded"
    expect_error(lambda: nc.network_watchers.create_or_update("sdk-rg", "watcher-eastus", {"location": "eastus"}),
                 400, "NetworkWatcherCountLimitReached")
    w2 = nc.network_watchers.create_or_update("sdk-rg", "watcher-brazil", {"location": "brazilsouth"})
    assert w2.location == "brazilsouth"
    assert {"NetworkWatcher_eastus", "watcher-brazil"} <= {x.name for x in nc.network_watchers.list_all()}


def flow_gateways_and_connection():
    _, nc = clients()
    pip = nc.public_ip_addresses.begin_create_or_update("sdk-rg", "gw-pip", {
        "location": "eastus", "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static"}}).result()
    gw = nc.virtual_network_gateways.begin_create_or_update("sdk-rg", "gw", {"location": "eastus", "properties": {
        "gatewayType": "Vpn", "vpnType": "RouteBased", "sku": {"name": "VpnGw1", "tier": "VpnGw1"},
        "ipConfigurations": [{"name": "cfg", "properties": {
            "subnet": {"id": net_id("sdk-rg", "virtualNetworks/hub/subnets/GatewaySubnet")},
            "publicIPAddress": {"id": pip.id}}}]}}).result()
    assert gw.gateway_type == "Vpn"
    lng = nc.local_network_gateways.begin_create_or_update("sdk-rg", "onprem", {"location": "eastus", "properties": {
        "gatewayIpAddress": "203.0.113.10", "localNetworkAddressSpace": {"addressPrefixes": ["192.168.0.0/16"]}}}).result()
    conn = nc.virtual_network_gateway_connections.begin_create_or_update("sdk-rg", "s2s", {"location": "eastus", "properties": {
        "connectionType": "IPsec", "virtualNetworkGateway1": {"id": gw.id}, "localNetworkGateway2": {"id": lng.id},
        "sharedKey": "abc123", "routingWeight": 10}}).result()
    assert conn.connection_type == "IPsec"
    assert [c.name for c in nc.virtual_network_gateway_connections.list("sdk-rg")] == ["s2s"]


def flow_generic_resources_vm_and_private_dns():
    """Microsoft.Compute VMs and private DNS through the generic resources client (the
    network SDK has no client for them)."""
    rc, nc = clients()
    vm_id = f"/subscriptions/{SUB}/resourceGroups/sdk-rg/providers/Microsoft.Compute/virtualMachines/vm1"
    vm = rc.resources.begin_create_or_update_by_id(vm_id, api_version="2024-11-01", parameters=GenericResource(location="eastus", properties={
        "hardwareProfile": {"vmSize": "Standard_B1s"},
        "networkProfile": {"networkInterfaces": [{"id": net_id("sdk-rg", "networkInterfaces/nic1"), "properties": {"primary": True}}]},
        "storageProfile": {"imageReference": {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy",
                                              "sku": "22_04-lts-gen2", "version": "latest"},
                           "osDisk": {"createOption": "fromImage"}},
        "osProfile": {"computerName": "vm1", "adminUsername": "azureuser", "adminPassword": "Sup3rSecret!Passw0rd"}})).result()
    assert vm.id == vm_id and vm.properties["provisioningState"] == "Succeeded"
    assert nc.network_interfaces.get("sdk-rg", "nic1").virtual_machine.id == vm_id
    zone_id = f"/subscriptions/{SUB}/resourceGroups/sdk-rg/providers/Microsoft.Network/privateDnsZones/contoso.internal"
    rc.resources.begin_create_or_update_by_id(zone_id, api_version="2018-09-01", parameters=GenericResource(location="global")).result()
    rc.resources.begin_create_or_update_by_id(zone_id + "/A/web", api_version="2018-09-01", parameters=GenericResource(
        properties={"ttl": 60, "aRecords": [{"ipv4Address": "10.0.0.99"}]})).result()
    link = rc.resources.begin_create_or_update_by_id(zone_id + "/virtualNetworkLinks/hub", api_version="2024-06-01", parameters=GenericResource(
        location="global", properties={"virtualNetwork": {"id": net_id("sdk-rg", "virtualNetworks/hub")},
                                       "registrationEnabled": True})).result()
    assert link.properties["virtualNetworkLinkState"] == "Completed"
    rec = rc.resources.get_by_id(zone_id + "/A/web", api_version="2018-09-01")
    assert rec.properties["fqdn"] == "web.contoso.internal."
    assert rc.resources.check_existence_by_id(zone_id, api_version="2018-09-01") is True


def flow_diagnostic_posts():
    """POST actions (long-running in Azure: 202 + Location in async mode) on the VM's NIC and
    the region's Network Watcher."""
    _, nc = clients()
    vm_id = f"/subscriptions/{SUB}/resourceGroups/sdk-rg/providers/Microsoft.Compute/virtualMachines/vm1"
    routes = nc.network_interfaces.begin_get_effective_route_table("sdk-rg", "nic1").result()
    prefixes = [p for r in routes.value for p in r.address_prefix]
    assert "10.0.0.0/16" in prefixes and "0.0.0.0/0" in prefixes, prefixes
    groups = nc.network_interfaces.begin_list_effective_network_security_groups("sdk-rg", "nic1").result()
    assert groups.value, "the subnet's NSG applies to nic1"
    verdict = nc.network_watchers.begin_verify_ip_flow("NetworkWatcherRG", "NetworkWatcher_eastus", {
        "targetResourceId": vm_id, "direction": "Inbound", "protocol": "TCP", "localPort": "443",
        "remotePort": "50000", "localIPAddress": "10.0.0.4", "remoteIPAddress": "10.0.1.10"}).result()
    assert verdict.access in ("Allow", "Deny"), verdict
    hop = nc.network_watchers.begin_get_next_hop("NetworkWatcherRG", "NetworkWatcher_eastus", {
        "targetResourceId": vm_id, "sourceIPAddress": "10.0.0.4", "destinationIPAddress": "10.0.0.5"}).result()
    assert hop.next_hop_type == "VnetLocal", hop
    expect_error(lambda: nc.network_interfaces.begin_get_effective_route_table("sdk-rg", "nope").result(), 404, "ResourceNotFound")


def flow_etags():
    _, nc = clients()
    nsg = nc.network_security_groups.get("sdk-rg", "nsg")
    stale = nsg.etag
    nc.network_security_groups.update_tags("sdk-rg", "nsg", {"tags": {"v": "2"}})
    fresh = nc.network_security_groups.get("sdk-rg", "nsg").etag
    assert fresh != stale
    body = {"location": "eastus", "tags": {"v": "3"}}
    expect_error(lambda: nc.network_security_groups.begin_create_or_update("sdk-rg", "nsg", body, headers={"If-Match": stale}).result(),
                 412, "PreconditionFailed")
    expect_error(lambda: nc.network_security_groups.begin_create_or_update("sdk-rg", "nsg", body, headers={"If-None-Match": "*"}).result(),
                 412, "PreconditionFailed")
    ok = nc.network_security_groups.begin_create_or_update("sdk-rg", "nsg", body, headers={"If-Match": fresh}).result()
    assert ok.tags == {"v": "3"}
    # The PUT replaced the NSG whole: its rules went with it (no securityRules in the body).
    assert list(nc.security_rules.list("sdk-rg", "nsg")) == []
    # A child reports its tracked root's etag.
    assert nc.default_security_rules.get("sdk-rg", "nsg", "DenyAllInBound").etag == ok.etag


def flow_paging():
    rc, nc = clients()
    rc.resource_groups.create_or_update("sdk-page", {"location": "eastus"})
    for i in range(7):
        nc.virtual_networks.begin_create_or_update("sdk-page", f"v{i}", vnet_body(f"10.{100 + i}.0.0/16")).result()
    start = len(LOG)
    names = [v.name for v in nc.virtual_networks.list("sdk-page")]
    assert names == [f"v{i}" for i in range(7)], names
    gets = [u for (m, u, s, h) in LOG[start:] if m == "GET"]
    expected = -(-7 // ARGS.page_size)
    assert len(gets) == expected, (gets, expected)
    if expected > 1:
        assert "$skiptoken" in gets[1] or "%24skiptoken" in gets[1], gets
    groups = [g.name for g in rc.resource_groups.list()]
    assert len(groups) == len(set(groups)) and "sdk-page" in groups


def flow_long_running_operations():
    rc, nc = clients()
    start = len(LOG)
    nc.route_tables.begin_create_or_update("sdk-rg", "lro-rt", {"location": "eastus"}).result()
    nc.route_tables.begin_delete("sdk-rg", "lro-rt").result()
    rc.resource_groups.create_or_update("sdk-lro", {"location": "eastus"})
    rc.resource_groups.begin_delete("sdk-lro").result()
    seen = LOG[start:]
    put = next(r for r in seen if r[0] == "PUT" and "lro-rt" in r[1])
    delete = next(r for r in seen if r[0] == "DELETE" and "lro-rt" in r[1])
    group_delete = next(r for r in seen if r[0] == "DELETE" and "sdk-lro" in r[1])
    hdr = lambda r, n: {k.lower(): v for k, v in r[3].items()}.get(n.lower())
    lower = lambda r: {k.lower() for k in r[3]}
    if ARGS.lro == "sync":
        assert put[2] == 201 and hdr(put, "Azure-AsyncOperation") is None
        assert delete[2] == 200 and group_delete[2] == 200
        assert not any("/operations/" in r[1] for r in seen)
    else:
        assert put[2] == 201 and hdr(put, "Retry-After") == "1"
        op = hdr(put, "Azure-AsyncOperation")
        assert op and op.startswith(ARGS.endpoint), op
        polls = [r for r in seen if r[1].split("?")[0] == op.split("?")[0]]
        assert "retry-after" in lower(polls[0]), polls  # InProgress says when to come back
        assert len(polls) >= 2, polls  # InProgress, then Succeeded
        assert delete[2] == 202 and hdr(delete, "Location") and hdr(delete, "Azure-AsyncOperation")
        assert group_delete[2] == 202 and hdr(group_delete, "Location")
    expect_error(lambda: nc.route_tables.get("sdk-rg", "lro-rt"), 404, "ResourceNotFound")
    assert rc.resource_groups.check_existence("sdk-lro") is False


def flow_entra_credentials():
    from azure.identity import ClientSecretCredential, ManagedIdentityCredential
    os.environ["REQUESTS_CA_BUNDLE"] = ARGS.cert
    cred = ClientSecretCredential(TENANT, "11111111-1111-1111-1111-111111111111", "secret",
                                  authority=ARGS.endpoint, disable_instance_discovery=True)
    tok = cred.get_token("https://management.azure.com/.default")
    assert tok.token.count(".") == 2 and tok.expires_on > time.time()
    rc, _ = clients(cred)
    assert rc.resource_groups.check_existence("sdk-rg") is True
    os.environ["IDENTITY_ENDPOINT"] = ARGS.endpoint + "/msi/token"
    os.environ["IDENTITY_HEADER"] = "vnetlab"
    mi = ManagedIdentityCredential()
    assert mi.get_token("https://management.azure.com/.default").token.count(".") == 2
    # No token at all: ARM's 401.
    import requests
    r = requests.get(f"{ARGS.endpoint}/subscriptions?api-version=2022-12-01", verify=ARGS.cert)
    assert r.status_code == 401 and r.json()["error"]["code"] == "AuthenticationFailed"


def flow_cleanup_cascades():
    rc, nc = clients()
    rc.resource_groups.begin_delete("sdk-page").result()
    expect_error(lambda: nc.virtual_networks.get("sdk-page", "v0"), 404, "ResourceGroupNotFound")


FLOWS = [flow_resource_groups, flow_vnets_and_subnets, flow_peering_lifecycle, flow_nsg_asg_route_table,
         flow_nic_public_ip_watcher, flow_gateways_and_connection, flow_generic_resources_vm_and_private_dns,
         flow_diagnostic_posts, flow_etags, flow_paging, flow_long_running_operations, flow_entra_credentials, flow_cleanup_cascades]


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--lro", choices=["sync", "async"], default="sync")
    p.add_argument("--page-size", type=int, default=100)
    ARGS = p.parse_args()
    passed = failed = 0
    for flow in FLOWS:
        t = time.time()
        try:
            flow()
            passed += 1
            print(f"ok     {flow.__name__} ({time.time() - t:.1f} s)")
        except Exception:  # noqa: BLE001 - report every failure and go on
            failed += 1
            print(f"FAILED {flow.__name__}")
            traceback.print_exc(limit=6)
    print(f"sdk ({ARGS.lro}): {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
