import HeraldCore
@testable import HeraldRunner
import Synchronization

/// The server behind the fake links of one run, as a script: it is told when a link opens and what the runner sends
/// on it, and reacts by pushing frames to any of the links (another actor's, say).
final class FakeServer: Sendable {
    /// What the script is told.
    enum Event: Sendable {
        /// The link just opened (before the runner reads it: a frame pushed now is one a server sends on connect).
        case connected
        /// The runner sent this text on the link (an `on_open` message, or a `send:` step).
        case received(String)
    }

    /// Reacts to an event on a link.
    typealias Script = @Sendable (_ event: Event, _ link: FakeLink, _ server: FakeServer) -> Void

    private let script: Script
    private let opened = Mutex<[FakeLink]>([])
    /// Says, by channel name, with what a connection is turned down instead of opened (`nil`: it opens).
    private let refuse: @Sendable (_ channel: String) -> (any Error)?

    /// Creates a server that does what `script` says (by default, nothing), and refuses the connections `refuse` names.
    init(_ script: @escaping Script = { _, _, _ in }, refuse: @escaping @Sendable (_ channel: String) -> (any Error)? = { _ in nil }) {
        self.script = script
        self.refuse = refuse
    }

    /// The connector a run opens its channels with.
    var connector: ChannelConnector {
        // The connector holds the server; the links it opens do not (the server holds them).
        ChannelConnector { [self] channel, context, actor in
            if let error = refuse(channel.name) { throw error }
            let link = FakeLink(channel: channel.name, actor: actor?.description, address: "fake:\(channel.name) \(context.target)") {
                [weak self] text, link in
                guard let self else { return }
                self.script(.received(text), link, self)
            }
            opened.withLock { $0.append(link) }
            script(.connected, link, self)
            return link
        }
    }

    /// Every link opened so far, in order.
    var links: [FakeLink] { opened.withLock { $0 } }

    /// The link of `channel` for `actor` (`nil`: the shared one), if it was opened.
    func link(_ channel: String, _ actor: String? = nil) -> FakeLink? {
        links.first { $0.channel == channel && $0.actor == actor }
    }
}

extension String {
    /// The `action` field of this text when it is a JSON object (what `send:` steps say in these tests).
    var action: String? { JSONParser.parseIfJSON(Array(utf8))?["action"]?.stringValue }
}
