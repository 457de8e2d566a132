import HeraldContract
import HeraldPlan

/// Opens the connection of one channel for one actor instance (`nil` for a shared connection), in place of the real
/// transports: the seam through which tests run the real runner against links of their own, without sockets.
///
/// A run reaches it through ``RunnerOptions/connector``: ``Runner`` binds ``current`` around each contract, and
/// `ChannelHub.open` consults it (a task-local crosses `ContractExecution`, which builds the hub, without threading a
/// parameter through it). With no connector, channels open over their real transports. Whatever link it returns, the
/// hub treats it as the channel's kind says: a WebSocket channel still gets its `on_open` messages (through
/// ``ChannelLink/send(text:)``) and waits for its `ready:` frame.
struct ChannelConnector: Sendable {
    /// Opens the link; it throws as a transport would (the hub turns the error into an infrastructure error).
    let open: @Sendable (_ channel: Channel, _ context: ChannelContext, _ actor: ActorInstance?) async throws -> any ChannelLink

    /// Creates a connector from the function that opens a link.
    init(_ open: @escaping @Sendable (_ channel: Channel, _ context: ChannelContext, _ actor: ActorInstance?) async throws -> any ChannelLink) {
        self.open = open
    }

    /// The connector of the contract running in this task, or `nil` for the real transports. Bound only by ``Runner``.
    @TaskLocal static var current: ChannelConnector?
}
