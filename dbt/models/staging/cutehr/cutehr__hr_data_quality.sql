{#- The latest field coverage per resource and field of this vendor's dataset, as hr_data_quality rows. -#}
{{ hr_latest_coverage('cutehr') }}
