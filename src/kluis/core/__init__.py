"""Basics every part of Kluis may use; imports nothing else of kluis."""
