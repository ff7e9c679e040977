"""Assignment administration: the rules that hand leads out, daily caps and absences."""
