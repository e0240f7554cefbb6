#!/usr/bin/env bash
# The network commands of the seed labs (tests/scenarios/seeds/: seeds 002 and 004) and the
# commands of real-clients.md §3.4, with the real az 2.91 against vnetlab serve, checking
# exit codes, peering states and Azure's refusals. VM creation is a template deployment and
# out of scope: NICs are created directly.
# Usage (from run.sh, inside the loopback-only namespace): az_labs.sh sync|async
# AZ_LABS_QUICK=1 runs the core only (async mode: every write waits out a 1 s poll).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
MODE=${1:-sync}
# shellcheck source=lib.sh
. "$HERE/lib.sh"

if connect_az > "$WORK/connect.log" 2>&1; then ok "vnetlab connect --env: cloud register + service-principal login"; else
  bad "vnetlab connect --env"; cat "$WORK/connect.log"; echo "az ($MODE): $PASS passed, $FAIL failed"; exit 1; fi
SUB=$("$VNETLAB" connect --sdk | sed -n 's/^SUBSCRIPTION = "\(.*\)"/\1/p')
t "az account show (after login)" 0 "$SUB" az account show --query id -o tsv

# --- seeds/004, the AZ-104 global peering lab: fixed address spaces -----------------------
RG=AZ104-VNetPeering-RG
t "group create" 0 "Succeeded" az group create --name $RG --location eastus --query properties.provisioningState -o tsv
t "vnet create (main, eastus)" 0 "Succeeded" az network vnet create --name AZ104-Main-VNet --resource-group $RG \
  --location eastus --address-prefix 10.10.0.0/16 --subnet-name MainSubnet --subnet-prefix 10.10.0.0/24 \
  --query newVNet.provisioningState -o tsv
t "vnet create (remote, westus)" 0 "Succeeded" az network vnet create --name AZ104-Remote-VNet --resource-group $RG \
  --location westus --address-prefix 10.20.0.0/16 --subnet-name RemoteSubnet --subnet-prefix 10.20.0.0/24 \
  --query newVNet.provisioningState -o tsv
t "vnet show -o table" 0 - az network vnet show --name AZ104-Main-VNet --resource-group $RG \
  --query '{name:name, location:location, addressSpace:addressSpace.addressPrefixes}' --output table
has "vnet show -o table prints the row" "AZ104-Main-VNet  eastus" "$OUT"
MAIN_VNET_ID=$(az network vnet show --name AZ104-Main-VNet --resource-group $RG --query id --output tsv)
REMOTE_VNET_ID=$(az network vnet show --name AZ104-Remote-VNet --resource-group $RG --query id --output tsv)
t "vnet ids are canonical" 0 "/subscriptions/$SUB/resourceGroups/$RG/providers/Microsoft.Network/virtualNetworks/AZ104-Main-VNet" echo "$MAIN_VNET_ID"
t "peering create main->remote: Initiated" 0 "Initiated" az network vnet peering create --name Main-to-Remote \
  --resource-group $RG --vnet-name AZ104-Main-VNet --remote-vnet "$REMOTE_VNET_ID" --allow-vnet-access \
  --allow-forwarded-traffic --query peeringState -o tsv
t "peering create remote->main: Connected" 0 "Connected" az network vnet peering create --name Remote-to-Main \
  --resource-group $RG --vnet-name AZ104-Remote-VNet --remote-vnet "$MAIN_VNET_ID" --allow-vnet-access \
  --allow-forwarded-traffic --query peeringState -o tsv
t "peering show: Connected, FullyInSync" 0 "Connected FullyInSync" az network vnet peering show --name Main-to-Remote \
  --resource-group $RG --vnet-name AZ104-Main-VNet --query "join(' ', [peeringState, peeringSyncLevel])" -o tsv
t "vnet show embeds the peering" 0 "Connected" az network vnet show -g $RG -n AZ104-Remote-VNet \
  --query "virtualNetworkPeerings[0].peeringState" -o tsv

# --- seeds/004 verbatim: the tutorial peers overlapping spaces; Azure refuses ---------------
t "vnet create 192.168.0.0/16" 0 - az network vnet create -n Overlap-Main -g $RG -l eastus --address-prefix 192.168.0.0/16 -o none
t "vnet create 192.168.1.0/24" 0 - az network vnet create -n Overlap-Remote -g $RG -l westus --address-prefix 192.168.1.0/24 -o none
t "overlapping peering is refused (exit 1)" 1 - az network vnet peering create -n o -g $RG --vnet-name Overlap-Main \
  --remote-vnet Overlap-Remote --allow-vnet-access
has "... with VnetAddressSpacesOverlap" "ERROR: (VnetAddressSpacesOverlap)" "$ERR"
t "missing VNet: exit 3" 3 - az network vnet show -g $RG -n nope
has "... with ResourceNotFound" "(ResourceNotFound)" "$ERR"

if [ -z "${AZ_LABS_QUICK:-}" ]; then
# --- seeds/002, hub and spoke with gateway transit ------------------------------------------
G=rg-network
t "group create (hub-spoke)" 0 - az group create -n $G -l eastus -o none
t "hub vnet with GatewaySubnet" 0 - az network vnet create -g $G -n hub-vnet --address-prefixes 10.0.0.0/16 --subnet-name GatewaySubnet --subnet-prefixes 10.0.255.0/27 -o none
t "spoke-web vnet" 0 - az network vnet create -g $G -n spoke-web-vnet --address-prefixes 10.1.0.0/16 --subnet-name web --subnet-prefixes 10.1.1.0/24 -o none
t "hub->spoke peering with gateway transit" 0 - az network vnet peering create -g $G -n hub-to-spoke-web --vnet-name hub-vnet --remote-vnet spoke-web-vnet --allow-vnet-access --allow-forwarded-traffic --allow-gateway-transit -o none
t "spoke->hub with remote gateways, before the hub has one: refused" 1 - az network vnet peering create -g $G -n spoke-web-to-hub --vnet-name spoke-web-vnet --remote-vnet hub-vnet --allow-vnet-access --allow-forwarded-traffic --use-remote-gateways
has "... with RemoteVnetHasNoGateways" "(RemoteVnetHasNoGateways)" "$ERR"
t "public-ip create" 0 - az network public-ip create -g $G -n hub-gw-pip -o none --only-show-errors
t "vnet-gateway create --no-wait" 0 "" az network vnet-gateway create -g $G -n hub-gw --vnet hub-vnet --public-ip-address hub-gw-pip --gateway-type Vpn --sku VpnGw1 --no-wait
t "vnet-gateway show" 0 "Vpn" az network vnet-gateway show -g $G -n hub-gw --query gatewayType -o tsv
t "spoke->hub with remote gateways: Connected" 0 "Connected" az network vnet peering create -g $G -n spoke-web-to-hub --vnet-name spoke-web-vnet --remote-vnet hub-vnet --allow-vnet-access --allow-forwarded-traffic --use-remote-gateways --query peeringState -o tsv
t "peering list -o table" 0 - az network vnet peering list -g $G --vnet-name hub-vnet --query "[].{name: name, state: peeringState, transit: allowGatewayTransit}" -o table
has "... shows the transit link" "hub-to-spoke-web  Connected  True" "$OUT"

# --- real-clients.md §3.4: NSGs, route tables, subnets, NICs ----------------------------------
t "nsg create" 0 - az network nsg create -g $G -n web-nsg -o none
t "nsg rule create" 0 "100" az network nsg rule create -g $G --nsg-name web-nsg -n allow-https --priority 100 --access Allow --protocol Tcp --destination-port-ranges 443 --query priority -o tsv
t "nsg rule list --include-default" 0 "7" az network nsg rule list -g $G --nsg-name web-nsg --include-default --query "length(@)"
t "route-table create" 0 - az network route-table create -g $G -n spoke-rt -o none
t "route create" 0 "VirtualAppliance" az network route-table route create -g $G --route-table-name spoke-rt -n default-via-fw --address-prefix 0.0.0.0/0 --next-hop-type VirtualAppliance --next-hop-ip-address 10.0.1.4 --query nextHopType -o tsv
t "subnet create --nsg --route-table" 0 - az network vnet subnet create -g $G --vnet-name spoke-web-vnet -n app --address-prefixes 10.1.2.0/24 --nsg web-nsg --route-table spoke-rt -o none
t "subnet update --nsg (generic update: GET then PUT with read-only fields)" 0 \
  "/subscriptions/$SUB/resourceGroups/$G/providers/Microsoft.Network/networkSecurityGroups/web-nsg" \
  az network vnet subnet update -g $G --vnet-name spoke-web-vnet -n web --network-security-group web-nsg --query "networkSecurityGroup.id" -o tsv
t "nic create --vnet-name --subnet" 0 "10.1.1.4" az network nic create -g $G -n web-nic --vnet-name spoke-web-vnet --subnet web --query "NewNIC.ipConfigurations[0].privateIPAddress" -o tsv
# A VM through the generic resource client (az vm create is a template deployment), then the
# POST actions that read the data plane: effective routes, Network Watcher.
NIC_ID=/subscriptions/$SUB/resourceGroups/$G/providers/Microsoft.Network/networkInterfaces/web-nic
VM_BODY='{"location": "eastus", "properties": {"hardwareProfile": {"vmSize": "Standard_B1s"},
  "networkProfile": {"networkInterfaces": [{"id": "'$NIC_ID'", "properties": {"primary": true}}]},
  "storageProfile": {"imageReference": {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest"}, "osDisk": {"createOption": "fromImage"}},
  "osProfile": {"computerName": "web-vm", "adminUsername": "azureuser", "adminPassword": "Sup3rSecret!Passw0rd"}}}'
t "VM via az resource create (a generic PUT)" 0 "Succeeded" az resource create --id "/subscriptions/$SUB/resourceGroups/$G/providers/Microsoft.Compute/virtualMachines/web-vm" \
  --api-version 2024-11-01 --is-full-object --properties "$VM_BODY" --query properties.provisioningState -o tsv
t "nic show-effective-route-table -o table" 0 - az network nic show-effective-route-table -g $G -n web-nic -o table
has "... lists the VNet's own space" "10.1.0.0/16" "$OUT"
t "watcher show-next-hop" 0 "VnetLocal" az network watcher show-next-hop -g $G --vm web-vm --source-ip 10.1.1.4 --dest-ip 10.1.1.5 --query nextHopType -o tsv
t "watcher test-ip-flow (the subnet's NSG allows 443)" 0 "Allow" az network watcher test-ip-flow -g $G --vm web-vm --direction Inbound --protocol TCP --local 10.1.1.4:443 --remote 10.0.0.9:50000 --query access -o tsv
t "nsg in use cannot be deleted" 1 - az network nsg delete -g $G -n web-nsg
has "... InUseNetworkSecurityGroupCannotBeDeleted" "InUseNetworkSecurityGroupCannotBeDeleted" "$ERR"
t "vnet list" 0 "hub-vnet spoke-web-vnet" bash -c "az network vnet list -g $G --query '[].name' -o tsv | tr '\n' ' ' | sed 's/ \$//'"
t "group show" 0 "eastus" az group show -n $G --query location -o tsv
t "group list" 0 - az group list --query "[].name" -o tsv
has "... lists both groups" "$G" "$OUT"
fi

# --- az login --identity: the managed-identity endpoint (real-clients.md §2.3) -------------
MI_DIR=$WORK/azcfg-mi-$MODE
mkdir -p "$MI_DIR"
# The registered cloud and the choice of it (`config`), not the service-principal login.
cp "$AZURE_CONFIG_DIR/versionCheck.json" "$AZURE_CONFIG_DIR/clouds.config" "$AZURE_CONFIG_DIR/config" "$MI_DIR/"
t "az login --identity (managed identity endpoint)" 0 "$SUB" env AZURE_CONFIG_DIR="$MI_DIR" \
  IDENTITY_ENDPOINT="$VNETLAB_ENDPOINT/msi/token" IDENTITY_HEADER=vnetlab \
  az login --identity --query "[0].id" -o tsv
t "... and ARM calls with its token" 0 "true" env AZURE_CONFIG_DIR="$MI_DIR" \
  IDENTITY_ENDPOINT="$VNETLAB_ENDPOINT/msi/token" IDENTITY_HEADER=vnetlab az group exists -n $RG

# --- teardown -------------------------------------------------------------------------------
t "group exists" 0 "true" az group exists -n $RG
t "peering delete" 0 "" az network vnet peering delete -g $RG -n Remote-to-Main --vnet-name AZ104-Remote-VNet
t "... leaves the other link Disconnected" 0 "Disconnected" az network vnet peering show -g $RG -n Main-to-Remote --vnet-name AZ104-Main-VNet --query peeringState -o tsv
t "vnet delete" 0 "" az network vnet delete -g $RG -n AZ104-Remote-VNet
t "group delete --yes" 0 "" az group delete -n $RG --yes
t "group exists after delete" 0 "false" az group exists -n $RG
echo "az ($MODE): $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
