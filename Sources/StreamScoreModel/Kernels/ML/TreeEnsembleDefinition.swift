/// How a tree node compares the input feature with its threshold (`nodes_modes`).
enum TreeNodeMode: UInt8, Sendable {
    case leaf = 0, branchLEQ, branchLT, branchGTE, branchGT, branchEQ, branchNEQ

    init?(attribute: String) {
        switch attribute {
        case "LEAF": self = .leaf
        case "BRANCH_LEQ": self = .branchLEQ
        case "BRANCH_LT": self = .branchLT
        case "BRANCH_GTE": self = .branchGTE
        case "BRANCH_GT": self = .branchGT
        case "BRANCH_EQ": self = .branchEQ
        case "BRANCH_NEQ": self = .branchNEQ
        default: return nil
        }
    }
}

/// How a regressor combines the leaf values of its trees (`aggregate_function`).
enum TreeAggregateFunction: Sendable {
    case sum, average, min, max

    init(_ attributes: MLAttributes) throws(ModelError) {
        switch try attributes.string("aggregate_function", default: "SUM") {
        case "SUM": self = .sum
        case "AVERAGE": self = .average
        case "MIN": self = .min
        case "MAX": self = .max
        case let other:
            throw attributes.invalid("unknown aggregate_function '\(other)' (expected SUM, AVERAGE, MIN or MAX)")
        }
    }
}

/// The raw tree-ensemble attributes of a TreeEnsembleRegressor/Classifier (v1 or v3), checked for
/// consistent lengths. Real values are widened to `Double` whichever form (FLOATS or `*_as_tensor`)
/// the file used.
struct TreeEnsembleDefinition {
    var treeIds: [Int64]
    var nodeIds: [Int64]
    var featureIds: [Int64]
    var modes: [TreeNodeMode]
    var values: [Double]
    var trueIds: [Int64]
    var falseIds: [Int64]
    var missingTracksTrue: [Int64]
    var weightTreeIds: [Int64]
    var weightNodeIds: [Int64]
    var weightTargetIds: [Int64]
    var weights: [Double]
    var baseValues: [Double]

    /// Reads the `nodes_*`, weight (`target_*` or `class_*`) and `base_values` attributes.
    init(_ a: MLAttributes, weightPrefix: String) throws(ModelError) {
        treeIds = try a.ints("nodes_treeids")
        nodeIds = try a.ints("nodes_nodeids")
        featureIds = try a.ints("nodes_featureids")
        trueIds = try a.ints("nodes_truenodeids")
        falseIds = try a.ints("nodes_falsenodeids")
        missingTracksTrue = try a.ints("nodes_missing_value_tracks_true")
        values = try a.reals("nodes_values", allowTensor: true) ?? []
        var modes: [TreeNodeMode] = []
        for name in try a.strings("nodes_modes") {
            guard let mode = TreeNodeMode(attribute: name) else {
                throw a.invalid("unknown node mode '\(name)' in nodes_modes")
            }
            modes.append(mode)
        }
        self.modes = modes
        weightTreeIds = try a.ints(weightPrefix + "treeids")
        weightNodeIds = try a.ints(weightPrefix + "nodeids")
        weightTargetIds = try a.ints(weightPrefix + "ids")
        weights = try a.reals(weightPrefix + "weights", allowTensor: true) ?? []
        baseValues = try a.reals("base_values", allowTensor: true) ?? []

        let n = treeIds.count
        guard n > 0 else { throw a.invalid("the ensemble has no nodes (nodes_treeids is empty)") }
        let nodeLists: [(String, Int)] = [
            ("nodes_nodeids", nodeIds.count), ("nodes_featureids", featureIds.count),
            ("nodes_modes", modes.count), ("nodes_values", values.count),
            ("nodes_truenodeids", trueIds.count), ("nodes_falsenodeids", falseIds.count),
        ]
        for (name, count) in nodeLists where count != n {
            throw a.invalid("\(name) has \(count) entries but nodes_treeids has \(n)")
        }
        if missingTracksTrue.count > n {
            throw a.invalid("nodes_missing_value_tracks_true has \(missingTracksTrue.count) entries for \(n) nodes")
        }
        let m = weightTreeIds.count
        let weightLists: [(String, Int)] = [
            (weightPrefix + "nodeids", weightNodeIds.count), (weightPrefix + "ids", weightTargetIds.count),
            (weightPrefix + "weights", weights.count),
        ]
        for (name, count) in weightLists where count != m {
            throw a.invalid("\(name) has \(count) entries but \(weightPrefix)treeids has \(m)")
        }
        if let bad = featureIds.firstIndex(where: { $0 < 0 || $0 > Int64(Int32.max) }) {
            throw a.invalid("node \(nodeIds[bad]) of tree \(treeIds[bad]) has an invalid feature id \(featureIds[bad])")
        }
        if let bad = weightTargetIds.firstIndex(where: { $0 < 0 }) {
            throw a.invalid("weight \(bad) has a negative \(weightPrefix)ids value \(weightTargetIds[bad])")
        }
    }
}
