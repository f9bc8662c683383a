import sys

from shardis.server.server import run


def main():
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()
