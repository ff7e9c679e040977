"""Materials (寄发资料): mailing tasks for standard packs and targeted materials."""
