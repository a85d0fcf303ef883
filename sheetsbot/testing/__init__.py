"""Test helpers shipped with sheetsbot; the product code never imports this package."""
