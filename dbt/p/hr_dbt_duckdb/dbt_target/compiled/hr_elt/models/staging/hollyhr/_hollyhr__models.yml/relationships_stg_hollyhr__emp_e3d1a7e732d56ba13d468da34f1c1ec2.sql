
    
    

with child as (
    select person_id as from_field
    from "w"."hr_unified_staging"."stg_hollyhr__employments"
    where person_id is not null
),

parent as (
    select person_id as to_field
    from "w"."hr_unified_staging"."stg_hollyhr__people"
)

select
    from_field

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null


