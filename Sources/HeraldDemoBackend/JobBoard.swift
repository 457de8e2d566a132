import Foundation
import Synchronization

/// Background jobs that go QUEUED → ASSIGNED → PROCESSING → COMPLETED, telling their owner at each step (`job.assigned`,
/// `job.processing`, `job.completed`).
///
/// A job moves on at least ``pause`` after its last move, and only once its current state has been read through
/// `GET /jobs/{id}` (or after ``longestHold``), so that a client polling it sees every state even on a busy machine.
/// With ``DemoDefect/skippedState`` a job goes from QUEUED straight to PROCESSING.
final class JobBoard: Sendable {
    /// The states, in order.
    static let states = ["QUEUED", "ASSIGNED", "PROCESSING", "COMPLETED"]
    /// The shortest time a state lasts.
    static let pause = Duration.milliseconds(150)
    /// The longest a state waits to be read before the job moves on anyway.
    static let longestHold = Duration.seconds(5)

    struct Job: Sendable, Encodable {
        let id: String
        let owner: String
        var status: String
        private enum CodingKeys: String, CodingKey { case id, status }
    }

    private struct Entry {
        var job: Job
        var read = false
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let notifier: Notifier
    private let jobs: DelayedJobs
    private let skips: Bool

    init(notifier: Notifier, jobs: DelayedJobs, defects: Set<DemoDefect>) {
        self.notifier = notifier
        self.jobs = jobs
        skips = defects.contains(.skippedState)
    }

    /// Queues a job for `owner` and starts moving it along.
    func create(owner: String) -> Job {
        let job = Job(id: "job-\(UUID().uuidString.prefix(8).lowercased())", owner: owner, status: "QUEUED")
        entries.withLock { $0[job.id] = Entry(job: job) }
        schedule(job.id, waited: .zero)
        return job
    }

    /// The job with `id`, if `owner` owns it; reading it lets it move on.
    func read(_ id: String, owner: String) -> Job? {
        entries.withLock { all -> Job? in
            guard var entry = all[id], entry.job.owner == owner else { return nil }
            entry.read = true
            all[id] = entry
            return entry.job
        }
    }

    private func schedule(_ id: String, waited: Duration) {
        jobs.after(Self.pause) { [self] in advance(id, waited: waited + Self.pause) }
    }

    /// Moves the job one state on once its state was read (or held long enough), and tells its owner.
    private func advance(_ id: String, waited: Duration) {
        let moved = entries.withLock { all -> Job? in
            guard var entry = all[id], let i = Self.states.firstIndex(of: entry.job.status), i + 1 < Self.states.count else { return nil }
            guard entry.read || waited >= Self.longestHold else { return nil }
            let next = skips && Self.states[i + 1] == "ASSIGNED" ? i + 2 : i + 1
            entry.job.status = Self.states[next]
            entry.read = false
            all[id] = entry
            return entry.job
        }
        guard let job = moved else {
            // Not read yet: look again shortly (a finished job is left alone).
            let finished = entries.withLock { $0[id]?.job.status == Self.states.last }
            if !finished { schedule(id, waited: waited) }
            return
        }
        notifier.publish([NotificationDraft(to: job.owner, "job.\(job.status.lowercased())", relatedId: job.id)])
        if job.status != Self.states.last { schedule(id, waited: .zero) }
    }
}
