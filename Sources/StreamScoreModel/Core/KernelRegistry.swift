/// Maps (domain, op type, opset version) to kernel factories.
public struct KernelRegistry: Sendable {
    struct Entry: Sendable {
        var versions: ClosedRange<Int>
        var factory: KernelFactory
    }

    private var entries: [String: [Entry]] = [:]

    public init() {}

    private static func key(_ domain: String, _ op: String) -> String {
        (domain == "ai.onnx" ? "" : domain) + "::" + op
    }

    /// Registers `factory` for `op` in `domain` ("" or "ai.onnx.ml") for the given opset versions.
    /// Later registrations win over earlier ones for overlapping versions.
    public mutating func register(domain: String = "", _ op: String, versions: ClosedRange<Int>,
                                  _ factory: @escaping KernelFactory) {
        entries[Self.key(domain, op), default: []].insert(Entry(versions: versions, factory: factory), at: 0)
    }

    /// The factory for a node, or `ModelError.unsupportedOperator` naming node, op, domain and version.
    public func factory(for node: NodeInfo) throws(ModelError) -> KernelFactory {
        if let entry = entries[Self.key(node.domain, node.opType)]?.first(where: { $0.versions.contains(node.opsetVersion) }) {
            return entry.factory
        }
        throw .unsupportedOperator(node: node.name, op: node.opType, domain: node.domain, version: node.opsetVersion)
    }

    /// All registered (domain, op, versions), for coverage tables.
    public var coverage: [(domain: String, op: String, versions: [ClosedRange<Int>])] {
        entries.map { key, list in
            let parts = key.split(separator: "::", omittingEmptySubsequences: false).map(String.init)
            return (parts[0], parts[1], list.map(\.versions).sorted { $0.lowerBound < $1.lowerBound })
        }.sorted { ($0.domain, $0.op) < ($1.domain, $1.op) }
    }
}
