"""The emoji reactions offered under posts and messages: a small palette, the same on every
screen, so reactions stay readable and comparable."""

REACTION_EMOJI = ["👍", "❤️", "🎉", "😊", "😮", "😢", "🙏", "✅", "👀", "💡"]
