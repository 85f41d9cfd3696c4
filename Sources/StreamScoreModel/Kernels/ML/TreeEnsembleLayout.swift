/// A tree ensemble flattened at load time into contiguous struct-of-arrays storage.
///
/// Nodes of a tree are laid out depth-first (a node, then its false subtree, then its true subtree),
/// trees one after the other. `children[2n]` is the false child of node `n` and `children[2n + 1]`
/// its true child, so the traversal picks a child without a branch. Leaves point to themselves and
/// read feature 0, which lets several rows descend a tree in lockstep. Leaf weights live in one
/// contiguous array; each leaf references a range of it. Memory is allocated once and never mutated,
/// hence `@unchecked Sendable`.
final class TreeEnsembleLayout: @unchecked Sendable {
    let nodeCount: Int
    let feature: UnsafeMutablePointer<Int32>
    let children: UnsafeMutablePointer<Int32>
    let mode: UnsafeMutablePointer<UInt8>
    let missingTracksTrue: UnsafeMutablePointer<UInt8>
    let leafWeightStart: UnsafeMutablePointer<Int32>
    let leafWeightCount: UnsafeMutablePointer<Int32>
    let weightCount: Int
    let weightTarget: UnsafeMutablePointer<Int32>
    /// Per node: the target of the leaf's first weight (0 when it has none).
    let leafTarget: UnsafeMutablePointer<Int32>
    /// True when every leaf carries exactly one weight, so `leafTarget`/`leafValue` describe it fully.
    let everyLeafHasOneWeight: Bool
    /// Root node of each tree, in the order onnxruntime sums them.
    let roots: [Int32]
    /// Longest root-to-leaf path of each tree (number of comparisons).
    let depths: [Int32]
    /// The mode shared by every branch node, or nil when modes are mixed (`.leaf` if there are no branches).
    let uniformMode: TreeNodeMode?
    /// True when some node sends missing values (NaN) to its true branch.
    let hasMissingTracks: Bool
    /// One more than the largest feature id used by any node (onnxruntime checks leaves too).
    let requiredFeatureCount: Int
    /// Per-node threshold (branches) and single-target leaf value (leaves), plus leaf weights, in single precision.
    let floatNumbers: TreeEnsembleNumbers<Float>
    /// The same numbers in double precision, used for double inputs as onnxruntime does.
    let doubleNumbers: TreeEnsembleNumbers<Double>

    var treeCount: Int { roots.count }

    /// Builds the layout, validating node ids, child references, reachability and weights.
    /// `targetCount` bounds the weight target/class ids.
    init(_ d: TreeEnsembleDefinition, targetCount: Int, _ a: MLAttributes) throws(ModelError) {
        let n = d.treeIds.count
        struct Key: Hashable { var tree: Int64; var node: Int64 }
        var indexOf: [Key: Int] = [:]
        indexOf.reserveCapacity(n)
        for i in 0..<n {
            if indexOf.updateValue(i, forKey: Key(tree: d.treeIds[i], node: d.nodeIds[i])) != nil {
                throw a.invalid("node \(d.nodeIds[i]) appears twice in tree \(d.treeIds[i])")
            }
        }
        // Resolve children (attribute index space).
        var trueAttr = [Int](repeating: -1, count: n)
        var falseAttr = [Int](repeating: -1, count: n)
        var mixed = false
        var firstBranchMode: TreeNodeMode?
        for i in 0..<n where d.modes[i] != .leaf {
            if let first = firstBranchMode { if first != d.modes[i] { mixed = true } } else { firstBranchMode = d.modes[i] }
            for (isTrue, childId) in [(true, d.trueIds[i]), (false, d.falseIds[i])] {
                guard let child = indexOf[Key(tree: d.treeIds[i], node: childId)] else {
                    throw a.invalid("node \(d.nodeIds[i]) of tree \(d.treeIds[i]) references missing \(isTrue ? "true" : "false") child \(childId)")
                }
                if child == i {
                    throw a.invalid("node \(d.nodeIds[i]) of tree \(d.treeIds[i]) references itself as its \(isTrue ? "true" : "false") child")
                }
                if isTrue { trueAttr[i] = child } else { falseAttr[i] = child }
            }
        }
        uniformMode = mixed ? nil : (firstBranchMode ?? .leaf)
        hasMissingTracks = d.missingTracksTrue.contains { $0 != 0 }
        requiredFeatureCount = Int(d.featureIds.max() ?? -1) + 1

        // Depth-first layout from each root, detecting cycles and measuring depth.
        var position = [Int](repeating: -1, count: n)
        var finished = [Bool](repeating: false, count: n)
        var height = [Int32](repeating: 0, count: n)
        var order: [Int] = []
        order.reserveCapacity(n)
        var rootPositions: [Int32] = []
        var depths: [Int32] = []
        struct Frame { var attr: Int; var stage: UInt8 }
        var stack: [Frame] = []
        for i in 0..<n where i == 0 || d.treeIds[i] != d.treeIds[i - 1] {
            stack.append(Frame(attr: i, stage: 0))
            while let top = stack.last {
                let attr = top.attr
                switch top.stage {
                case 0:
                    if finished[attr] { stack.removeLast(); continue }
                    if position[attr] >= 0 {
                        throw a.invalid("tree \(d.treeIds[attr]) has a cycle through node \(d.nodeIds[attr])")
                    }
                    position[attr] = order.count
                    order.append(attr)
                    if d.modes[attr] == .leaf {
                        finished[attr] = true
                        stack.removeLast()
                    } else {
                        stack[stack.count - 1].stage = 1
                        stack.append(Frame(attr: falseAttr[attr], stage: 0))
                    }
                case 1:
                    stack[stack.count - 1].stage = 2
                    stack.append(Frame(attr: trueAttr[attr], stage: 0))
                default:
                    height[attr] = 1 + Swift.max(height[falseAttr[attr]], height[trueAttr[attr]])
                    finished[attr] = true
                    stack.removeLast()
                }
            }
            rootPositions.append(Int32(position[i]))
            depths.append(height[i])
        }
        if let unreachable = position.firstIndex(of: -1) {
            throw a.invalid("node \(d.nodeIds[unreachable]) of tree \(d.treeIds[unreachable]) is not reachable from its tree's root")
        }
        guard order.count < Int(Int32.max) / 2 else { throw a.invalid("too many nodes (\(order.count))") }
        roots = rootPositions
        self.depths = depths
        nodeCount = order.count

        feature = .allocate(capacity: nodeCount)
        children = .allocate(capacity: 2 * nodeCount)
        mode = .allocate(capacity: nodeCount)
        missingTracksTrue = .allocate(capacity: nodeCount)
        leafWeightStart = .allocate(capacity: nodeCount)
        leafWeightCount = .allocate(capacity: nodeCount)
        var thresholds = [Double](repeating: 0, count: nodeCount)
        for (p, attr) in order.enumerated() {
            let isLeaf = d.modes[attr] == .leaf
            feature[p] = isLeaf ? 0 : Int32(d.featureIds[attr])
            children[2 * p] = isLeaf ? Int32(p) : Int32(position[falseAttr[attr]])
            children[2 * p + 1] = isLeaf ? Int32(p) : Int32(position[trueAttr[attr]])
            mode[p] = d.modes[attr].rawValue
            missingTracksTrue[p] = attr < d.missingTracksTrue.count && d.missingTracksTrue[attr] == 1 ? 1 : 0
            leafWeightStart[p] = 0
            leafWeightCount[p] = 0
            // Branches keep their threshold; leaves keep their node value, which onnxruntime
            // uses as the single-target leaf value when no weight references the leaf.
            thresholds[p] = d.values[attr]
        }

        // Leaf weights, grouped per leaf in (tree id, node id, attribute order) order.
        let m = d.weightTreeIds.count
        let sortedWeights = (0..<m).sorted {
            (d.weightTreeIds[$0], d.weightNodeIds[$0], $0) < (d.weightTreeIds[$1], d.weightNodeIds[$1], $1)
        }
        var targets: [Int32] = []
        var weightValues: [Double] = []
        var leafValues = thresholds
        targets.reserveCapacity(m)
        weightValues.reserveCapacity(m)
        for w in sortedWeights {
            guard let attr = indexOf[Key(tree: d.weightTreeIds[w], node: d.weightNodeIds[w])] else {
                throw a.invalid("weight \(w) references missing node \(d.weightNodeIds[w]) of tree \(d.weightTreeIds[w])")
            }
            // onnxruntime ignores weights attached to branch nodes (old onnxmltools output).
            if d.modes[attr] != .leaf { continue }
            guard d.weightTargetIds[w] < Int64(targetCount) else {
                throw a.invalid("weight \(w) targets id \(d.weightTargetIds[w]) but there are only \(targetCount) targets/classes")
            }
            let p = position[attr]
            if leafWeightCount[p] == 0 {
                leafWeightStart[p] = Int32(targets.count)
                leafValues[p] = d.weights[w]
            }
            leafWeightCount[p] += 1
            targets.append(Int32(d.weightTargetIds[w]))
            weightValues.append(d.weights[w])
        }
        weightCount = targets.count
        leafTarget = .allocate(capacity: nodeCount)
        var oneWeightEach = true
        for p in 0..<nodeCount {
            let isLeaf = mode[p] == TreeNodeMode.leaf.rawValue
            leafTarget[p] = isLeaf && leafWeightCount[p] > 0 ? targets[Int(leafWeightStart[p])] : 0
            if isLeaf && leafWeightCount[p] != 1 { oneWeightEach = false }
        }
        everyLeafHasOneWeight = oneWeightEach
        weightTarget = .allocate(capacity: max(weightCount, 1))
        for (i, t) in targets.enumerated() { weightTarget[i] = t }
        for p in 0..<nodeCount where mode[p] == TreeNodeMode.leaf.rawValue {
            thresholds[p] = 0
        }
        floatNumbers = TreeEnsembleNumbers(thresholds: thresholds, leafValues: leafValues, weights: weightValues)
        doubleNumbers = TreeEnsembleNumbers(thresholds: thresholds, leafValues: leafValues, weights: weightValues)
    }

    deinit {
        feature.deallocate()
        children.deallocate()
        mode.deallocate()
        missingTracksTrue.deallocate()
        leafWeightStart.deallocate()
        leafWeightCount.deallocate()
        weightTarget.deallocate()
        leafTarget.deallocate()
    }
}

/// The real-valued parts of a flattened ensemble in one precision `T`.
final class TreeEnsembleNumbers<T: BinaryFloatingPoint & Sendable>: @unchecked Sendable {
    /// Per node: the branch threshold (0 for leaves).
    let threshold: UnsafeMutablePointer<T>
    /// Per node: the leaf's first weight (or its node value when it has none); used with one target.
    let leafValue: UnsafeMutablePointer<T>
    /// All leaf weights, grouped per leaf.
    let weight: UnsafeMutablePointer<T>

    init(thresholds: [Double], leafValues: [Double], weights: [Double]) {
        threshold = .allocate(capacity: max(thresholds.count, 1))
        leafValue = .allocate(capacity: max(leafValues.count, 1))
        weight = .allocate(capacity: max(weights.count, 1))
        for (i, v) in thresholds.enumerated() { threshold[i] = T(v) }
        for (i, v) in leafValues.enumerated() { leafValue[i] = T(v) }
        for (i, v) in weights.enumerated() { weight[i] = T(v) }
    }

    deinit {
        threshold.deallocate()
        leafValue.deallocate()
        weight.deallocate()
    }
}
