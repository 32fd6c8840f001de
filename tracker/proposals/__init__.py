"""NPC deputies' suggestions (人大代表建议) and CPPCC members' proposals (政协提案)."""
