{#- Intervals (`valid_from`..`valid_to`, inclusive dates, null `valid_to`: open) of one key never
    overlap and never end before they start. Fails with the pairs that do. -#}
{% test hr_no_overlaps(model, key_columns, valid_from='valid_from', valid_to='valid_to') %}
with numbered as (
    select {{ key_columns | join(', ') }}, {{ valid_from }} as valid_from, {{ valid_to }} as valid_to,
           lead({{ valid_from }}) over (partition by {{ key_columns | join(', ') }}
                                        order by {{ valid_from }}) as next_from,
           count(*) over (partition by {{ key_columns | join(', ') }}, {{ valid_from }}) as same_start
    from {{ model }}
)
select *
from numbered
where same_start > 1
   or (valid_to is not null and valid_to < valid_from)
   or (next_from is not null and (valid_to is null or valid_to >= next_from))
{% endtest %}
