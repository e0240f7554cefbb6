//! The transport between the az front end and a control plane: in-process (the embedded
//! store) or, later, HTTPS to a `vnetlab serve`. One operation layer, two transports.

use vnetlab_arm::{Arm, ArmRequest, ArmResponse, Store};

/// Anything that answers ARM requests.
pub trait ArmClient {
    fn send(&self, req: &ArmRequest) -> ArmResponse;
    /// The subscription requests are addressed to.
    fn subscription_id(&self) -> String;
    /// The tenant of that subscription.
    fn tenant_id(&self) -> String;
    /// The subscription's display name.
    fn subscription_name(&self) -> String;
}

impl<S: Store> ArmClient for Arm<S> {
    fn send(&self, req: &ArmRequest) -> ArmResponse {
        self.handle(req)
    }

    fn subscription_id(&self) -> String {
        self.config.subscription_id.clone()
    }

    fn tenant_id(&self) -> String {
        self.config.tenant_id.clone()
    }

    fn subscription_name(&self) -> String {
        self.config.subscription_name.clone()
    }
}
