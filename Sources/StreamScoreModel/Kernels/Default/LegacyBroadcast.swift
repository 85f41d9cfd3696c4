extension DefaultKernels {
    /// The limited broadcasting of binary operators before opset 7: with `broadcast=1`, B's shape
    /// matches a contiguous run of A's dimensions starting at `axis` (by default, A's trailing
    /// dimensions). It is expressed here by padding B's shape with 1s, after which numpy-style
    /// broadcasting gives the same result. With `broadcast=0` the shapes must already agree,
    /// which numpy-style broadcasting also accepts.
    struct LegacyBroadcast: Sendable {
        let enabled: Bool
        let axis: Int?

        /// Reads `broadcast` and `axis` for opsets before 7; nil from opset 7 on.
        init?(_ node: NodeInfo, legacyBefore version: Int = 7) throws(ModelError) {
            guard node.opsetVersion < version else { return nil }
            let attributes = Attributes(node)
            enabled = try attributes.flag("broadcast", default: false)
            axis = try attributes.optionalInt("axis")
        }

        /// B's shape padded to A's rank as the legacy rule aligns it.
        func alignedShape(_ bShape: [Int], to aShape: [Int], _ context: NodeContext) throws(ModelError) -> [Int] {
            guard enabled, bShape.count < aShape.count else { return bShape }
            let start = axis.map { $0 < 0 ? $0 + aShape.count : $0 } ?? (aShape.count - bShape.count)
            guard start >= 0, start + bShape.count <= aShape.count else {
                throw context.failure("legacy broadcast axis \(axis ?? start) does not fit \(describe(bShape)) into \(describe(aShape))")
            }
            return [Int](repeating: 1, count: start) + bShape
                + [Int](repeating: 1, count: aShape.count - start - bShape.count)
        }
    }
}
