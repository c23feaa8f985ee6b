#!/usr/bin/env python3
"""PyTorch CPU peer for the ResNet training/inference throughput benchmark (28x28x1 inputs, 10 classes).

Models (CIFAR-style, He et al. 2016, adapted to one input channel):
  resnet20  3 stages x 3 basic blocks, 16/32/64 channels, 272,186 trainable parameters
  resnet56  3 stages x 9 basic blocks, 855,482 trainable parameters
  plain20   resnet20 without the shortcuts (269,434 parameters: no projection shortcuts either)
  mobilenetV2  MobileNet-V2 (Sandler et al. 2018) at width 1 for 28x28, as @amc/zoo builds it: stride-1 stem conv3x3
            32 + BN + ReLU6; 17 inverted residuals [t, c, n, s] = [1,16,1,1] [6,24,2,1] [6,32,3,2] [6,64,4,2]
            [6,96,3,1] [6,160,3,1] [6,320,1,1] (1x1 expand + BN + ReLU6 when t > 1, 3x3 depthwise + BN + ReLU6,
            1x1 project + BN, residual add when stride 1 and the channels match); 1x1 conv 1280 + BN + ReLU6, global
            average pool, Linear(1280, 10). Convs have no bias.
Stem: conv3x3(1->16, no bias) + BN + ReLU. Block: conv3x3-BN-ReLU-conv3x3-BN, + shortcut, ReLU; the first block
of stages 2 and 3 has stride 2 and a 1x1 stride-2 conv (no bias) + BN projection shortcut ("option B").
Head: global average pool, Linear(64, 10). BatchNorm eps 1e-5, momentum 0.1 (PyTorch convention).

Timing: every repeat runs `warmup` untimed steps, then times `iters` steps; images/s = batch * iters / seconds.
train = zero_grad, forward, CrossEntropyLoss, backward, SGD(lr 0.1, momentum 0.9, weight_decay 5e-4) step.
infer = model.eval() under torch.inference_mode(), forward only.

Only the standard library and torch are used. With --json exactly one JSON line goes to stdout; when torch cannot
be imported that line is {"peer": "pytorch", "missing": "..."} and the exit status is 3.
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time

EXIT_MISSING_TORCH = 3

MODELS = {
    # name: (blocks per stage, shortcuts); None for the models with their own builder
    "plain20": (3, False),
    "resnet20": (3, True),
    "resnet56": (9, True),
    "mobilenetV2": None,
}

def classifier(torch, features, width):
    """`features`, then global average pooling and Linear(width, 10); conv weights He-normal (fan_out)."""
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = features
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(width, 10)
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

        def forward(self, x):
            return self.fc(torch.flatten(self.pool(self.features(x)), 1))

    return Net()


# MobileNet-V2 for 28x28 (the settings of @amc/zoo's mobilenet-v2.ts): [expansion, channels, repeats, stride].
MOBILENET_V2_SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 1), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 1), (6, 320, 1, 1)]


def build_mobilenet_v2(torch):
    nn = torch.nn

    def conv_bn(cin, cout, k, stride, groups=1, act=True):
        layers = [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1)]
        if act:
            layers.append(nn.ReLU6(inplace=True))
        return nn.Sequential(*layers)

    class InvertedResidual(nn.Module):
        def __init__(self, cin, cout, t, stride):
            super().__init__()
            hidden = cin * t
            layers = [conv_bn(cin, hidden, 1, 1)] if t != 1 else []
            layers += [conv_bn(hidden, hidden, 3, stride, groups=hidden), conv_bn(hidden, cout, 1, 1, act=False)]
            self.body = nn.Sequential(*layers)
            self.residual = stride == 1 and cin == cout

        def forward(self, x):
            y = self.body(x)
            return x + y if self.residual else y

    blocks = [conv_bn(1, 32, 3, 1)]
    cin = 32
    for t, c, n, s in MOBILENET_V2_SETTINGS:
        for r in range(n):
            blocks.append(InvertedResidual(cin, c, t, s if r == 0 else 1))
            cin = c
    blocks.append(conv_bn(cin, 1280, 1, 1))
    return classifier(torch, nn.Sequential(*blocks), 1280)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", choices=sorted(MODELS), default="resnet20")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=3, help="untimed steps before each repeat")
    p.add_argument("--iters", type=int, default=10, help="timed steps per repeat")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--mode", choices=("train", "infer", "both"), default="both")
    p.add_argument("--channels-last", action="store_true", help="NHWC (channels_last) model and inputs")
    p.add_argument("--json", action="store_true", help="print one JSON line on stdout")
    args = p.parse_args(argv)
    for name in ("batch", "threads", "iters", "repeats"):
        if getattr(args, name) < 1:
            p.error("--%s must be at least 1" % name)
    if args.warmup < 0:
        p.error("--warmup must be at least 0")
    return args


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def build_model(torch, name):
    if name == "mobilenetV2":
        return build_mobilenet_v2(torch)
    nn = torch.nn
    blocks_per_stage, shortcuts = MODELS[name]

    def bn(c):
        return nn.BatchNorm2d(c, eps=1e-5, momentum=0.1)

    class BasicBlock(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
            self.bn1 = bn(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, stride=1, padding=1, bias=False)
            self.bn2 = bn(cout)
            self.relu = nn.ReLU(inplace=True)
            self.use_shortcut = shortcuts
            self.shortcut = None
            if shortcuts and (stride != 1 or cin != cout):
                self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), bn(cout))

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            if self.use_shortcut:
                out = out + (x if self.shortcut is None else self.shortcut(x))
            return self.relu(out)

    stem = nn.Sequential(nn.Conv2d(1, 16, 3, stride=1, padding=1, bias=False), bn(16), nn.ReLU(inplace=True))
    layers = []
    cin = 16
    for stage, cout in enumerate((16, 32, 64)):
        for i in range(blocks_per_stage):
            stride = 2 if (stage > 0 and i == 0) else 1
            layers.append(BasicBlock(cin, cout, stride))
            cin = cout
    return classifier(torch, nn.Sequential(stem, *layers), 64)


def summarize(rates):
    return {"imagesPerSecond": rates, "median": statistics.median(rates)}


def time_mode(torch, model, x, y, args, train):
    if train:
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
        loss_fn = torch.nn.CrossEntropyLoss()

        def step():
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            return loss
    else:
        model.eval()

        def step():
            with torch.inference_mode():
                return model(x)

    rates = []
    last = None
    for _ in range(args.repeats):
        for _ in range(args.warmup):
            step()
        t0 = time.perf_counter()
        for _ in range(args.iters):
            last = step()
        seconds = time.perf_counter() - t0
        rates.append(args.batch * args.iters / seconds)
    result = summarize(rates)
    if train:
        result["lastLoss"] = float(last.detach())
    return result


def main(argv):
    args = parse_args(argv)
    try:
        import torch
    except Exception as e:  # ImportError, or a broken install (missing shared libraries)
        why = "torch cannot be imported: %s: %s" % (type(e).__name__, e)
        if args.json:
            print(json.dumps({"peer": "pytorch", "missing": why}))
        print(why, file=sys.stderr)
        return EXIT_MISSING_TORCH

    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # only allowed before any inter-op parallel work; a fresh process never gets here
    torch.manual_seed(0)

    model = build_model(torch, args.model)
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    x = torch.randn(args.batch, 1, 28, 28)
    y = torch.randint(0, 10, (args.batch,))
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)

    if not args.json:
        print("torch %s, %s, %d trainable parameters, batch %d, %d thread(s)%s"
              % (torch.__version__, args.model, params, args.batch, args.threads,
                 ", channels_last" if args.channels_last else ""), flush=True)

    out = {
        "peer": "pytorch",
        "torch": torch.__version__,
        "python": platform.python_version(),
        "model": args.model,
        "batch": args.batch,
        "threads": args.threads,
        "torchThreads": torch.get_num_threads(),
        "interopThreads": torch.get_num_interop_threads(),
        "params": params,
        "channelsLast": args.channels_last,
        "warmup": args.warmup,
        "iters": args.iters,
        "repeats": args.repeats,
    }
    for mode in ("train", "infer"):
        if args.mode in (mode, "both"):
            out[mode] = time_mode(torch, model, x, y, args, train=(mode == "train"))
            if not args.json:
                r = out[mode]
                print("%s: median %.1f images/s  (%s)" % (mode, r["median"], ", ".join("%.1f" % v for v in r["imagesPerSecond"])), flush=True)
    out["mkldnn"] = bool(torch.backends.mkldnn.is_available())
    out["cpu"] = cpu_name()
    if args.json:
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
