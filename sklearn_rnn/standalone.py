"""Run a network exported by ``sklearn_rnn.export.save_network`` with torch only.

This file imports nothing from sklearn-rnn: copy it into a service to predict
without installing the library::

    from standalone import load
    model = load("model.pt")
    model.predict(["katz", "smith"])     # labels (values for a regressor,
                                         # tag lists for a tagger)
    model.embed(["katz"])                # (n, hidden_size * directions)

It reads one record at a time with the equations written out (Parr's per-record
loop), so it is a readable reference of what the network computes, not a fast
path.
"""

import torch


def load(path):
    """Load an exported network (``torch.load`` with ``weights_only=True``)."""
    return StandaloneRNN(torch.load(path, weights_only=True))


class StandaloneRNN:
    def __init__(self, artefact):
        if artefact["format_version"] not in range(1, 14):
            raise ValueError(
                f"Unsupported format_version {artefact['format_version']}."
            )
        self.config = artefact["config"]
        self.p = {k: v.double() for k, v in artefact["state_dict"].items()}
        vocab = artefact["vocabulary"]
        self.ids = (
            {tok: i for i, tok in enumerate(vocab, start=1)}
            if vocab is not None
            else None
        )
        # Format 2 adds per-step n-gram bags and numeric standardisation.
        self.ngram_range = tuple(self.config.get("ngram_range", (1, 1)))
        self.mean = self.config.get("mean")
        self.scale = self.config.get("scale")
        self.analyzer = artefact["analyzer"]
        self.classes = artefact["classes"]
        # Format 3 adds regression, tagging (per-step heads) and word features;
        # format 4 the bag-of-symbols term V_bag; format 5 its own n-grams.
        self.task = self.config.get("task", "classification")
        wide_vocab = artefact.get("wide_vocabulary")
        self.wide_ids = (
            None
            if wide_vocab is None
            else {g: i for i, g in enumerate(wide_vocab, start=1)}
        )
        self.lexicons = artefact.get("word_lexicons") or []  # format 9
        self.kernels = artefact.get("kernels")  # format 10: numeric wide term
        self.shares = artefact.get("shares")  # format 13: running kernel shares
        # Format 11: the tag pairs a tagger's scheme allows (None: all).
        self.allowed = artefact.get("allowed_transitions")
        self.target_mean = artefact.get("target_mean")
        self.target_scale = artefact.get("target_scale")

    @staticmethod
    def _word_features(word):
        """sklearn_rnn._encoding.word_feature_symbols, written out again so this
        file stays free of the library."""
        if not isinstance(word, str):
            return []
        lower, shape = word.lower(), []
        for ch in word:
            cls = (
                "X"
                if ch.isupper()
                else "x"
                if ch.islower()
                else "d"
                if ch.isdigit()
                else ch
            )
            if not shape or shape[-1] != cls:
                shape.append(cls)
        return [
            ("lower", lower),
            *(("prefix", lower[:n]) for n in (1, 2, 3, 4)),
            *(("suffix", lower[-n:]) for n in (1, 2, 3, 4)),
            ("shape", "".join(shape)),
        ]

    def _lexicon_symbols(self, word):
        """sklearn_rnn.WordLexicon.symbols of each lexicon, written out again."""
        if not isinstance(word, str):
            return []
        out = []
        for lexicon in self.lexicons:
            name, entries = lexicon["name"], lexicon["entries"]
            values = entries.get(word) or entries.get(word.lower()) or []
            if not values:
                out.append((name, ""))
            for value in values:
                out.append((name, value))
                out.extend(
                    (f"{name}:{n}", value[:n])
                    for n in lexicon["prefixes"]
                    if n < len(value)
                )
        return out

    def _feature_bag(self, step):
        """One step of sklearn-crfsuite's form: (ids, weights)."""
        ids, weights = [], []
        for key, value in step.items():
            if isinstance(value, bytes):  # categorical, read as UTF-8
                value = value.decode("utf-8", "surrogateescape")
            symbol, weight = (
                (f"{key}={value}", 1.0)
                if isinstance(value, str)
                else (str(key), float(value))
            )
            if weight:
                ids.append(self.ids.get(symbol, 0))
                weights.append(weight)
        return ids, weights

    def _symbols(self, seq):
        """Ids of the symbols each step carries (the n-grams ending there)."""
        if isinstance(seq, str):
            if self.analyzer == "word":
                seq = seq.split()
            elif self.analyzer != "char":
                raise ValueError("The model used a custom analyzer: pass token lists.")
        joined = isinstance(seq, str)  # char n-grams are strings ("abc")
        lo, hi = self.ngram_range
        bags = []
        for t in range(len(seq)):
            bag = []
            for n in range(lo, min(hi, t + 1) + 1):
                if n == 1:
                    gram = seq[t]
                elif joined:
                    gram = seq[t - n + 1 : t + 1]
                else:
                    gram = ("ngram", *seq[t - n + 1 : t + 1])
                bag.append(self.ids.get(gram, 0))  # 0: never seen in fit
            if self.config.get("word_features"):
                bag.extend(self.ids.get(sym, 0) for sym in self._word_features(seq[t]))
            if self.lexicons and not joined:
                bag.extend(
                    self.ids.get(sym, 0) for sym in self._lexicon_symbols(seq[t])
                )
            bags.append(bag)
        return bags

    def _inputs(self, seq, suffix):
        """U x_t + b for every step of one record, shape (len, gates * H)."""
        U, b = self.p["U" + suffix], self.p["b" + suffix]
        if self.config["symbolic"]:
            if self.config.get("input_kind") == "features":
                bags = [self._feature_bag(step) for step in seq]
                columns = [
                    U[:, ids] @ torch.tensor(w, dtype=U.dtype) for ids, w in bags
                ]
            else:
                columns = [U[:, bag].sum(1) for bag in self._symbols(seq)]
            if not columns:
                return U.new_zeros((0, U.shape[0]))
            return torch.stack(columns) + b
        x = torch.as_tensor(seq, dtype=torch.float64)
        if len(x) == 0:  # its embedding is h_0
            return U.new_zeros((0, U.shape[0]))
        x = x[:, None] if x.ndim == 1 else x  # (len,) is one channel
        if self.mean is not None:
            x = (x - torch.as_tensor(self.mean)) / torch.as_tensor(self.scale)
        if self.config.get("per_record"):
            # Beside each step, its channels standardised by the record's own
            # mean and deviation (zeros where the record is constant).
            x = x.float().double()  # the library rounds to float32 first
            mean = x.mean(0)
            std = (x - mean).square().mean(0).sqrt()
            std = torch.where(std > 1e-6 * mean.abs().clamp(min=1), std, 1.0)
            x = torch.cat([x, ((x - mean) / std).float().double()], 1)
        size = self.config.get("patch_size", 1)  # steps read as one
        # The running shares read the channels the network reads.
        shares = None
        if self.shares is not None:
            shares = self._running_shares(x, size)
        if size > 1:
            # The first step repeated in front up to a multiple of the size.
            pad = -len(x) % size
            x = torch.cat([x[:1].expand(pad, -1), x])
        steps = x.reshape(-1, size * x.shape[1])
        if shares is not None:
            steps = torch.cat([steps, shares], 1)
        if self.config.get("conv_filters"):  # format 12
            steps = torch.cat([steps, self._front_end(x, size)], 1)
        return steps @ U.T + b

    def _running_shares(self, x, size):
        """(patches, n_step_shares): at the end of each patch (aligned on the
        last step; the steps repeated in front are not counted), for each
        dilation, kernel and bias, the share of the steps so far where the
        kernel's output over its channel subset (zeros beyond both ends)
        exceeds the bias; standardised. sklearn_rnn._running_shares, written
        out again, in float32 as there."""
        k = self.shares
        x = x.float().T[None]  # (1, channels, len)
        pad = -x.shape[2] % size
        real = torch.cat([torch.zeros(pad), torch.ones(x.shape[2])])
        seen = real.reshape(-1, size).sum(1).cumsum(0)
        parts = []
        for dilation, w, biases in zip(k["dilations"], k["weights"], k["biases"]):
            conv = torch.nn.functional.conv1d(
                x, w, padding=4 * dilation, dilation=dilation
            )[0]
            above = (conv[:, None, :] > biases[:, :, None]).float()
            above = torch.cat([above.new_zeros(*above.shape[:2], pad), above], 2)
            counts = above.reshape(*above.shape[:2], -1, size).sum(3)
            parts.append((counts.cumsum(2) / seen).flatten(0, 1))
        shares = (torch.cat(parts).T - k["mean"]) / k["scale"]
        return shares.double()

    def _front_end(self, series, size):
        """Beside each patch, per dilation, the mean and the max over the
        patch of the filters' ReLU outputs, read every
        max(1, min(dilation, size // 8)) steps (zeros beyond both ends)."""
        x = series.float().double().T[None]  # (1, channels, steps)
        parts = []
        for i, dilation in enumerate(self.config["conv_dilations"]):
            maps = torch.relu(
                torch.nn.functional.conv1d(
                    x,
                    self.p[f"front_weight_{i}"],
                    self.p[f"front_bias_{i}"],
                    padding=4 * dilation,
                    dilation=dilation,
                )[0]
            )  # (filters, steps)
            stride = max(1, min(dilation, size // 8))
            read = maps.reshape(len(maps), -1, size)[:, :, ::stride]
            parts += [read.mean(2).T, read.amax(2).T]
        return torch.cat(parts, 1)

    def _run(self, inputs, suffix):
        """States h_1..h_T of one direction of one layer."""
        cfg, W = self.config, self.p["W" + suffix]
        H = cfg["hidden_size"]
        h, c, states = (
            torch.zeros(H, dtype=torch.float64),
            torch.zeros(H, dtype=torch.float64),
            [],
        )
        for x in inputs:
            if cfg["cell"] == "rnn":
                z = W @ h + x
                h = torch.tanh(z) if cfg["nonlinearity"] == "tanh" else torch.relu(z)
            elif cfg["cell"] == "gru":
                hr, hz, hn = (W @ h + self.p["b_h" + suffix]).split(H)
                xr, xz, xn = x.split(H)
                r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
                n = torch.tanh(xn + r * hn)
                h = (1 - z) * n + z * h
            else:  # lstm, gates i, f, g, o
                i, f, g, o = (W @ h + x).split(H)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
            states.append(h)
        return (
            torch.stack(states) if states else torch.zeros((0, H), dtype=torch.float64)
        )

    def _states(self, seq):
        """The last layer's state at every step of one record, (len, H * dirs)."""
        cfg = self.config
        directions = 2 if cfg["bidirectional"] else 1
        layer_out = None
        for layer in range(cfg["num_layers"]):
            outs = []
            for reverse in range(directions):
                suffix = (f"_l{layer}" if layer else "") + (
                    "_reverse" if reverse else ""
                )
                if layer == 0:
                    inputs = self._inputs(seq, suffix)
                else:
                    inputs = layer_out @ self.p["U" + suffix].T + self.p["b" + suffix]
                if reverse:
                    outs.append(self._run(inputs.flip(0), suffix).flip(0))
                else:
                    outs.append(self._run(inputs, suffix))
            layer_out = torch.cat(outs, dim=1)
        return layer_out

    def _embed_one(self, seq):
        cfg = self.config
        directions = 2 if cfg["bidirectional"] else 1
        layer_out = self._states(seq)
        H = cfg["hidden_size"]
        # "concat": the final state, the mean and the max side by side.
        kinds = (
            ("last", "mean", "max") if cfg["pooling"] == "concat" else (cfg["pooling"],)
        )
        if len(layer_out) == 0:
            return torch.zeros(H * directions * len(kinds), dtype=torch.float64)
        pooled = []
        for kind in kinds:
            if kind == "mean":
                pooled.append(layer_out.mean(0))
            elif kind == "max":
                pooled.append(layer_out.max(0).values)
            else:
                # the forward direction's final state, the reverse one's after
                # reading the whole record backwards (its state at the first step)
                pooled.append(layer_out[-1, :H])
                if directions == 2:
                    pooled.append(layer_out[0, H:])
        return torch.cat(pooled)

    def embed(self, X):
        """Embedding of each sequence, shape (n, hidden_size * directions)."""
        H = self.config["hidden_size"] * (2 if self.config["bidirectional"] else 1)
        rows = [self._embed_one(seq) for seq in X]
        return (torch.stack(rows) if rows else torch.zeros((0, H))).numpy()

    def _outputs(self, X):
        """Head outputs: (n, n_outputs), or per step a list of (len_i, n_outputs)."""
        V, c = self.p["V"], self.p["c"]
        if self.config.get("per_step"):
            return [self._states(seq) @ V.T + c for seq in X]
        out = torch.as_tensor(self.embed(X)) @ V.T + c
        if "V_bag" in self.p and len(X):
            out = out + torch.stack([self._bag_term(seq) for seq in X])
        if "V_kernels" in self.p and len(X):
            out = out + torch.stack([self._kernel_term(seq) for seq in X])
        return out

    def _kernel_term(self, seq):
        """V_kernels times the record's convolution features, scaled by
        1 / sqrt(their number): for each dilation, kernel and bias, the share
        of the record's steps where the kernel's output over its channel
        subset (zeros beyond both ends) exceeds the bias; standardised.
        sklearn_rnn._kernels, written out again, in float32 as there."""
        k = self.kernels
        x = torch.as_tensor(seq, dtype=torch.float64)
        x = x[:, None] if x.ndim == 1 else x
        if self.mean is not None:
            x = (x - torch.as_tensor(self.mean)) / torch.as_tensor(self.scale)
        x = x.float().T[None]  # (1, channels, len); an empty record: len 0
        parts = []
        for dilation, w, biases in zip(k["dilations"], k["weights"], k["biases"]):
            if x.shape[2] == 0:
                parts.append(torch.zeros(biases.numel()))
                continue
            conv = torch.nn.functional.conv1d(
                x, w, padding=4 * dilation, dilation=dilation
            )[0]
            above = conv[:, None, :] > biases[:, :, None]
            parts.append(above.sum(2).reshape(-1) / x.shape[2])
        f = (torch.cat(parts) - k["mean"]) / k["scale"]
        return self.p["V_kernels"] @ (f.double() / len(f) ** 0.5)

    def _bag_term(self, seq):
        """V_bag times the counts of the record's symbols (column 0, unknown
        symbols, is zero)."""
        V_bag = self.p["V_bag"]
        if self.config.get("input_kind") == "features":
            total = V_bag.new_zeros(V_bag.shape[0])
            for ids, w in (self._feature_bag(step) for step in seq):
                total = total + V_bag[:, ids] @ torch.tensor(w, dtype=V_bag.dtype)
            return total
        if self.wide_ids is not None:
            ids = [self.wide_ids.get(g, 0) for g in self._wide_ngrams(seq)]
        else:
            ids = [i for bag in self._symbols(seq) for i in bag]
        return V_bag[:, ids].sum(1)

    def _wide_ngrams(self, seq):
        """The record's n-grams with a boundary at both ends (a space for
        strings, as char_wb reads a word; "" for tokens), never the boundary
        alone. sklearn_rnn._wide, written out again."""
        if isinstance(seq, str) and self.analyzer == "word":
            seq = seq.split()
        if not len(seq):
            return []
        if isinstance(seq, str):
            padded = " " + seq + " "
        else:
            padded = ["", *seq, ""]
        lo, hi = self.config["wide_ngram_range"]
        grams = []
        for n in range(lo, hi + 1):
            for start in range(len(padded) - n + 1):
                gram = padded[start : start + n]
                gram = gram if isinstance(gram, str) else tuple(gram)
                if n == 1 and start in (0, len(padded) - 1):
                    continue  # the boundary alone
                grams.append(gram)
        return grams

    def _crf(self):
        """Format 8: a tagger's CRF transition scores (start, between, end),
        -inf where its tag scheme forbids a pair (format 11)."""
        p = self.p
        if "transitions" not in p:
            return None
        scores = p["start_transitions"], p["transitions"], p["end_transitions"]
        return self._forbid(scores)

    def _forbid(self, scores):
        """``scores`` with -inf at the pairs the tag scheme forbids."""
        if self.allowed is None:
            return scores
        masks = (self.allowed[k] for k in ("start", "transitions", "end"))
        return tuple(
            s.masked_fill(~torch.tensor(m), float("-inf"))
            for s, m in zip(scores, masks)
        )

    def _scheme(self):
        """A softmax tagger's tag scheme as 0/-inf transition scores, or None."""
        if self.allowed is None:
            return None
        n = len(self.classes)
        zeros = (torch.zeros(n), torch.zeros(n, n), torch.zeros(n))
        return self._forbid(tuple(z.double() for z in zeros))

    @staticmethod
    def _viterbi(e, start, trans, end):
        """Best tag sequence of one record's step scores e (len, n_tags)."""
        score, back = start + e[0], []
        for t in range(1, len(e)):
            best, prev = (score[:, None] + trans).max(0)
            score = best + e[t]
            back.append(prev)
        tag = int((score + end).argmax())
        path = [tag]
        for prev in reversed(back):
            tag = int(prev[tag])
            path.append(tag)
        return path[::-1]

    @staticmethod
    def _marginals(e, start, trans, end):
        """P(tag at step t) of one record by the forward-backward sums."""
        alpha = [start + e[0]]
        for t in range(1, len(e)):
            alpha.append(torch.logsumexp(alpha[-1][:, None] + trans, 0) + e[t])
        beta = [end]
        for t in range(len(e) - 1, 0, -1):
            beta.append(torch.logsumexp(trans + (e[t] + beta[-1])[None, :], 1))
        beta = beta[::-1]
        log_z = torch.logsumexp(alpha[-1] + end, 0)
        return torch.exp(torch.stack(alpha) + torch.stack(beta) - log_z)

    def predict_proba(self, X):
        """Class probabilities (n, n_classes); for a tagger one (len_i, n_tags)
        array per sequence (with a CRF, the marginals)."""
        out = self._outputs(X)
        if self.config.get("per_step"):
            crf = self._crf()
            if crf is not None:
                return [
                    self._marginals(o, *crf).numpy()
                    if len(o)
                    else torch.zeros((0, len(self.classes))).numpy()
                    for o in out
                ]
            return [torch.softmax(o, dim=1).numpy() for o in out]
        if self.config.get("multilabel"):  # format 11: a sigmoid per class
            return torch.sigmoid(out).numpy()
        return torch.softmax(out, dim=1).numpy()

    def predict(self, X):
        """Labels; values for a regressor; a list of tags per sequence for a tagger."""
        if self.task == "regression":
            scale = torch.tensor(self.target_scale, dtype=torch.float64)
            y = self._outputs(X) * scale + torch.tensor(
                self.target_mean, dtype=torch.float64
            )
            return (y[:, 0] if self.config["single_output"] else y).numpy()
        if self.config.get("per_step"):
            crf = self._crf()
            if crf is not None:  # the best sequence, not the best tag per step
                return [
                    [self.classes[i] for i in self._viterbi(o, *crf)] if len(o) else []
                    for o in self._outputs(X)
                ]
            scheme = self._scheme()
            if scheme is not None:  # the most probable sequence the scheme allows
                return [
                    [
                        self.classes[i]
                        for i in self._viterbi(torch.log_softmax(o, 1), *scheme)
                    ]
                    if len(o)
                    else []
                    for o in self._outputs(X)
                ]
            return [
                [self.classes[i] for i in p.argmax(axis=1)]
                for p in self.predict_proba(X)
            ]
        if self.config.get("multilabel"):  # an indicator row per record
            return (self.predict_proba(X) > 0.5).astype(int)
        return [self.classes[i] for i in self.predict_proba(X).argmax(axis=1)]
